package io.lora4j.models.t5;

import io.lora4j.engine.Backend;
import io.lora4j.engine.Tensor;
import io.lora4j.models.nn.ForwardContext;

/** h + SelfAttention(layer_norm(h)) (HF {@code T5LayerSelfAttention}). */
record T5LayerSelfAttention(T5LayerNorm layerNorm, T5Attention selfAttention) {
    Tensor forward(Backend be, Tensor h, Tensor bias, T5KvCache.Layer cache, int offset, ForwardContext ctx) {
        Tensor a = selfAttention.forward(be, layerNorm.forward(be, h), null, bias, cache, offset, ctx);
        return be.add(h, a);
    }
}
