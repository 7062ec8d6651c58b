package io.lora4j.models.vit;

import io.lora4j.engine.BadInputException;
import io.lora4j.engine.Tensor;
import io.lora4j.engine.io.TensorSource;
import io.lora4j.models.nn.DenseLinear;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads weights by name with shape checks, collecting every missing or mis-shaped tensor so one
 * error lists them all ({@link #finish}). A missing tensor yields a zero placeholder so loading can go on.
 */
final class ViTWeights {
    private static final System.Logger LOG = System.getLogger(ViTWeights.class.getName());
    private final TensorSource src;
    private final List<String> problems = new ArrayList<>();
    private final Set<String> used = new HashSet<>();

    ViTWeights(TensorSource src) {
        this.src = src;
    }

    TensorSource source() {
        return src;
    }

    boolean has(String name) {
        return src.contains(name);
    }

    Tensor get(String name, int... shape) {
        used.add(name);
        Tensor t = src.find(name);
        if (t == null) {
            problems.add("missing tensor '" + name + "' " + Arrays.toString(shape));
            return Tensor.zeros(shape);
        }
        if (!t.dtype().isFloat()) {
            problems.add("tensor '" + name + "' has dtype " + t.dtype() + ", expected a float type");
            return Tensor.zeros(shape);
        }
        if (!Arrays.equals(t.shape(), shape)) {
            problems.add("tensor '" + name + "' has shape " + Arrays.toString(t.shape()) + ", expected " + Arrays.toString(shape));
            return Tensor.zeros(shape);
        }
        return t;
    }

    /** A Linear [out, in] called {@code name} (".weight", and ".bias" when {@code bias}). */
    DenseLinear linear(String name, int out, int in, boolean bias) {
        return new DenseLinear(get(name + ".weight", out, in), bias ? get(name + ".bias", out) : null);
    }

    /** A LayerNorm's gamma and beta. */
    Tensor[] norm(String name, int d) {
        return new Tensor[] {get(name + ".weight", d), get(name + ".bias", d)};
    }

    /** Throws one {@link BadInputException} listing every problem; logs tensors the model did not use. */
    void finish(String what) {
        if (!problems.isEmpty()) {
            throw new BadInputException(src.origin() + ": cannot load " + what + ": " + String.join("; ", problems));
        }
        List<String> unused = new ArrayList<>();
        for (String n : src.names()) if (!used.contains(n)) unused.add(n);
        if (!unused.isEmpty()) LOG.log(System.Logger.Level.DEBUG, "{0}: {1} tensors not used by {2}: {3}", src.origin(), unused.size(), what, unused);
    }
}
