package io.lora4j.models.t5;

import io.lora4j.engine.Backend;
import io.lora4j.engine.Tensor;

/** T5's RMS norm (no mean subtraction, no bias): x / sqrt(mean(x²) + eps) · weight. */
record T5LayerNorm(Tensor weight, float eps) {
    Tensor forward(Backend be, Tensor x) {
        return be.rmsNorm(x, weight, eps);
    }
}
