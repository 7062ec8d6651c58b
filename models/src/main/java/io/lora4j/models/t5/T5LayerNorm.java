package io.lora4j.models.t5;

import io.lora4j.engine.Backend;
import io.lora4j.engine.Tensor;

/**
 * T5's RMS norm (no mean subtraction, no bias): x / sqrt(mean(x²) + eps) · weight. The weight (d_model
 * values) is widened to F32 once here, so BF16/F16 checkpoints do not convert it on every call.
 */
record T5LayerNorm(Tensor weight, float eps) {
    T5LayerNorm {
        if (!weight.isHeapF32()) weight = Tensor.of(weight.toFloatArray(), weight.shape());
    }

    Tensor forward(Backend be, Tensor x) {
        return be.rmsNorm(x, weight, eps);
    }
}
