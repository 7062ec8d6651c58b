package io.lora4j.models.t5;

import io.lora4j.engine.Backend;
import io.lora4j.engine.Tensor;
import io.lora4j.models.nn.ForwardContext;
import io.lora4j.models.nn.Linear;

/** wo(act(wi(x))) (HF {@code T5DenseActDense}, original T5's ReLU feed-forward). */
record T5DenseActDense(Linear wi, Linear wo, T5Config.Activation act) implements T5Dense {
    @Override
    public Tensor forward(Backend be, Tensor x, ForwardContext ctx) {
        return wo.forward(be, T5Dense.activate(be, act, wi.forward(be, x, ctx)), ctx);
    }
}
