package io.lora4j.models.t5;

import io.lora4j.engine.Backend;
import io.lora4j.engine.Tensor;
import io.lora4j.models.nn.ForwardContext;

/** h + EncDecAttention(layer_norm(h), encoder output) (HF {@code T5LayerCrossAttention}). */
record T5LayerCrossAttention(T5LayerNorm layerNorm, T5Attention encDecAttention) {
    Tensor forward(Backend be, Tensor h, Tensor encoderHidden, Tensor encoderBias, T5KvCache.Layer cache, ForwardContext ctx) {
        Tensor a = encDecAttention.forward(be, layerNorm.forward(be, h), encoderHidden, encoderBias, cache, 0, ctx);
        return be.add(h, a);
    }
}
