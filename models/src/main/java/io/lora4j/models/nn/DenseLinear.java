package io.lora4j.models.nn;

import io.lora4j.engine.Backend;
import io.lora4j.engine.Tensor;
import java.util.Arrays;

/** The plain layer y = x·Wᵀ + b with W [O, I] in its stored dtype (often a mapped BF16/F32 view) and optional b [O]. */
public record DenseLinear(Tensor weight, Tensor bias) implements Linear {

    public DenseLinear {
        if (weight.rank() != 2) throw new IllegalArgumentException("Linear weight must be [out, in], got " + Arrays.toString(weight.shape()));
        if (bias != null && (bias.rank() != 1 || bias.dim(0) != weight.dim(0))) {
            throw new IllegalArgumentException("Linear bias must be [" + weight.dim(0) + "], got " + Arrays.toString(bias.shape()));
        }
    }

    @Override
    public int inFeatures() {
        return weight.dim(1);
    }

    @Override
    public int outFeatures() {
        return weight.dim(0);
    }

    @Override
    public Tensor forward(Backend backend, Tensor x, ForwardContext ctx) {
        return backend.linear(x, weight, bias);
    }
}
