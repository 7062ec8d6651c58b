package io.lora4j.models.t5;

import io.lora4j.engine.Backend;
import io.lora4j.engine.Tensor;
import io.lora4j.models.nn.ForwardContext;
import io.lora4j.models.nn.Linear;

/** wo(act(wi_0(x)) ⊙ wi_1(x)) (HF {@code T5DenseGatedActDense}, T5 v1.1 / FLAN-T5). */
record T5DenseGatedActDense(Linear wi0, Linear wi1, Linear wo, T5Config.Activation act) implements T5Dense {
    @Override
    public Tensor forward(Backend be, Tensor x, ForwardContext ctx) {
        Tensor[] gateUp = new Tensor[2]; // two independent projections, side by side on a multi-threaded backend
        be.concurrently(() -> gateUp[0] = T5Dense.activate(be, act, wi0.forward(be, x, ctx)), () -> gateUp[1] = wi1.forward(be, x, ctx));
        return wo.forward(be, be.mul(gateUp[0], gateUp[1]), ctx);
    }
}
