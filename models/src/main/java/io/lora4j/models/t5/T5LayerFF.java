package io.lora4j.models.t5;

import io.lora4j.engine.Backend;
import io.lora4j.engine.Tensor;
import io.lora4j.models.nn.ForwardContext;

/** h + DenseReluDense(layer_norm(h)) (HF {@code T5LayerFF}). */
record T5LayerFF(T5LayerNorm layerNorm, T5Dense denseReluDense) {
    Tensor forward(Backend be, Tensor h, ForwardContext ctx) {
        return be.add(h, denseReluDense.forward(be, layerNorm.forward(be, h), ctx));
    }
}
