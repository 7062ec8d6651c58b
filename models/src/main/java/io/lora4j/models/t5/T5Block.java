package io.lora4j.models.t5;

import io.lora4j.engine.Backend;
import io.lora4j.engine.Tensor;
import io.lora4j.models.nn.ForwardContext;

/** One block (HF {@code T5Block}): self-attention, cross-attention (decoder only), feed-forward. */
record T5Block(T5LayerSelfAttention selfAttention, T5LayerCrossAttention crossAttention, T5LayerFF ff) {
    Tensor forward(Backend be, Tensor h, Tensor selfBias, Tensor encoderHidden, Tensor encoderBias, T5KvCache.Layer cache,
            int offset, ForwardContext ctx) {
        h = selfAttention.forward(be, h, selfBias, cache, offset, ctx);
        if (crossAttention != null) h = crossAttention.forward(be, h, encoderHidden, encoderBias, cache, ctx);
        return ff.forward(be, h, ctx);
    }
}
