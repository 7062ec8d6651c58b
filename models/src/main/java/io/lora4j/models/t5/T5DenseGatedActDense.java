package io.lora4j.models.t5;

import io.lora4j.engine.Backend;
import io.lora4j.engine.Tensor;
import io.lora4j.models.nn.ForwardContext;
import io.lora4j.models.nn.Linear;

/** wo(act(wi_0(x)) ⊙ wi_1(x)) (HF {@code T5DenseGatedActDense}, T5 v1.1 / FLAN-T5). */
record T5DenseGatedActDense(Linear wi0, Linear wi1, Linear wo, T5Config.Activation act) implements T5Dense {
    @Override
    public Tensor forward(Backend be, Tensor x, ForwardContext ctx) {
        Tensor[] h = Linear.forwardAll(be, x, ctx, wi0, wi1); // one job for both projections of x
        return wo.forward(be, be.mul(T5Dense.activate(be, act, h[0]), h[1]), ctx);
    }
}
