package io.lora4j.adapters.lora;

import io.lora4j.engine.Tensor;
import java.util.Arrays;

/**
 * The LoRA factors of one adapted linear layer: A [r, in], B [out, r] (any float dtype; often mapped
 * views of the adapter file) and the scaling s, so the layer's update is s·B·A.
 */
public record LoraWeights(Tensor a, Tensor b, double scaling) {
    public LoraWeights {
        if (a.rank() != 2 || b.rank() != 2 || a.dim(0) != b.dim(1)) {
            throw new IllegalArgumentException("LoRA factors must be A [r, in] and B [out, r], got A " + Arrays.toString(a.shape())
                    + " and B " + Arrays.toString(b.shape()));
        }
    }

    public int rank() {
        return a.dim(0);
    }

    public int inFeatures() {
        return a.dim(1);
    }

    public int outFeatures() {
        return b.dim(0);
    }
}
