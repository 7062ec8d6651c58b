package io.lora4j.adapters.lora;

import io.lora4j.engine.BadInputException;
import io.lora4j.engine.Tensor;
import io.lora4j.engine.io.TensorSource;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A PEFT LoRA adapter: its config and, per adapted layer (named as the model's {@link io.lora4j.models.nn.Linear}s,
 * e.g. {@code decoder.block.1.layer.1.EncDecAttention.v}), the factors A, B and the scaling.
 *
 * <p>Tensor names as PEFT writes them: {@code base_model.model.<layer>.lora_A.weight} and
 * {@code ...lora_B.weight}, optionally with the adapter name ({@code lora_A.default.weight}).
 * Immutable and thread-safe.
 */
public final class LoraAdapter {
    /** The prefix PEFT puts before every module name. */
    public static final String PREFIX = "base_model.model.";
    private static final Pattern KEY = Pattern.compile("^(?:base_model\\.model\\.)?(.+)\\.lora_([AB])(?:\\.([^.]+))?\\.weight$");

    private final String name;
    private final LoraConfig config;
    private final Map<String, LoraWeights> layers;

    public LoraAdapter(String name, LoraConfig config, Map<String, LoraWeights> layers) {
        this.name = name;
        this.config = config;
        this.layers = Collections.unmodifiableMap(new LinkedHashMap<>(layers));
    }

    /** Loads a PEFT directory: adapter_config.json and adapter_model.safetensors (or adapter_model.bin). */
    public static LoraAdapter load(Path dir) {
        LoraConfig config = LoraConfig.read(dir);
        TensorSource src = AdapterFiles.openWeights(dir);
        Path fn = dir.toAbsolutePath().normalize().getFileName();
        return fromTensors(fn == null ? dir.toString() : fn.toString(), config, src);
    }

    /**
     * Builds an adapter from PEFT-named tensors, checking every tensor against the config: its name must
     * be a lora_A/lora_B weight of a layer the config targets, each layer needs both factors, and the rank
     * must be the config's for that layer. Errors name the tensor.
     */
    public static LoraAdapter fromTensors(String name, LoraConfig config, TensorSource src) {
        Map<String, Tensor[]> pairs = new LinkedHashMap<>();
        String adapterName = null;
        for (String key : src.names()) {
            Matcher m = KEY.matcher(key);
            if (!m.matches()) {
                throw new BadInputException(src.origin() + ": tensor '" + key + "' is not a LoRA factor (expected "
                        + PREFIX + "<layer>.lora_A.weight or .lora_B.weight); embedding LoRA, DoRA and bias tensors are not supported");
            }
            if (m.group(3) != null) {
                if (adapterName != null && !adapterName.equals(m.group(3))) {
                    throw new BadInputException(src.origin() + ": tensor '" + key + "' belongs to adapter '" + m.group(3)
                            + "' but earlier tensors to '" + adapterName + "'; one adapter per file");
                }
                adapterName = m.group(3);
            }
            String layer = m.group(1);
            Tensor t = src.get(key);
            if (t.rank() != 2 || !t.dtype().isFloat()) {
                throw new BadInputException(src.origin() + ": tensor '" + key + "' must be a 2-D float matrix, got "
                        + t.dtype() + " " + Arrays.toString(t.shape()));
            }
            if (!config.targets(layer)) {
                throw new BadInputException(src.origin() + ": tensor '" + key + "' adapts layer '" + layer
                        + "', which the config's target_modules/layers_to_transform do not select");
            }
            Tensor[] p = pairs.computeIfAbsent(layer, k -> new Tensor[2]);
            int i = m.group(2).equals("A") ? 0 : 1;
            if (p[i] != null) throw new BadInputException(src.origin() + ": tensor '" + key + "' appears twice for layer '" + layer + "'");
            p[i] = t;
        }
        if (pairs.isEmpty()) throw new BadInputException(src.origin() + ": the adapter holds no LoRA tensors");
        Map<String, LoraWeights> layers = new LinkedHashMap<>();
        for (var e : pairs.entrySet()) {
            String layer = e.getKey();
            Tensor a = e.getValue()[0], b = e.getValue()[1];
            if (a == null || b == null) {
                throw new BadInputException(src.origin() + ": layer '" + layer + "' has " + (a == null ? "lora_B but no lora_A" : "lora_A but no lora_B"));
            }
            int r = config.rankFor(layer);
            if (a.dim(0) != r) {
                throw new BadInputException(src.origin() + ": tensor '" + PREFIX + layer + ".lora_A.weight' has shape " + Arrays.toString(a.shape())
                        + " but the config gives layer '" + layer + "' rank " + r);
            }
            if (b.dim(1) != r) {
                throw new BadInputException(src.origin() + ": tensor '" + PREFIX + layer + ".lora_B.weight' has shape " + Arrays.toString(b.shape())
                        + " but the config gives layer '" + layer + "' rank " + r);
            }
            layers.put(layer, new LoraWeights(a, b, config.scalingFor(layer)));
        }
        return new LoraAdapter(name, config, layers);
    }

    /**
     * Checks that every adapted layer is a linear layer of the base checkpoint ({@code <layer>.weight} of
     * shape [out, in]) with matching shapes; errors name the adapter tensor and the expected shape.
     */
    public LoraAdapter checkAgainst(TensorSource base) {
        for (var e : layers.entrySet()) {
            String layer = e.getKey();
            LoraWeights w = e.getValue();
            Tensor weight = base.find(layer + ".weight");
            if (weight == null || weight.rank() != 2) {
                throw new BadInputException("adapter '" + name + "': tensor '" + PREFIX + layer + ".lora_A.weight' adapts '" + layer
                        + "', which is not a linear layer of the base model " + base.origin());
            }
            checkShapes(layer, w, weight.dim(0), weight.dim(1));
        }
        return this;
    }

    /** Checks one layer against a base linear of shape [out, in]. */
    void checkShapes(String layer, LoraWeights w, int out, int in) {
        if (w.inFeatures() != in) {
            throw new BadInputException("adapter '" + name + "': tensor '" + PREFIX + layer + ".lora_A.weight' has shape "
                    + Arrays.toString(w.a().shape()) + " but the base layer takes " + in + " inputs (expected [" + w.rank() + ", " + in + "])");
        }
        if (w.outFeatures() != out) {
            throw new BadInputException("adapter '" + name + "': tensor '" + PREFIX + layer + ".lora_B.weight' has shape "
                    + Arrays.toString(w.b().shape()) + " but the base layer has " + out + " outputs (expected [" + out + ", " + w.rank() + "])");
        }
    }

    /** The tensors as PEFT saves them: {@code base_model.model.<layer>.lora_A.weight} / {@code lora_B}. */
    public Map<String, Tensor> peftTensors() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (var e : layers.entrySet()) {
            m.put(PREFIX + e.getKey() + ".lora_A.weight", e.getValue().a());
            m.put(PREFIX + e.getKey() + ".lora_B.weight", e.getValue().b());
        }
        return m;
    }

    public String name() {
        return name;
    }

    public LoraConfig config() {
        return config;
    }

    /** Adapted layer name → factors, in file order. */
    public Map<String, LoraWeights> layers() {
        return layers;
    }

    @Override
    public String toString() {
        return "LoraAdapter(" + name + ", " + layers.size() + " layers)";
    }
}
