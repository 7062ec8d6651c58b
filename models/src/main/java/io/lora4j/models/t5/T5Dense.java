package io.lora4j.models.t5;

import io.lora4j.engine.Backend;
import io.lora4j.engine.Tensor;
import io.lora4j.models.nn.ForwardContext;

/** The feed-forward network inside {@link T5LayerFF} (HF's {@code DenseReluDense}). */
sealed interface T5Dense permits T5DenseActDense, T5DenseGatedActDense {
    Tensor forward(Backend be, Tensor x, ForwardContext ctx);

    static Tensor activate(Backend be, T5Config.Activation act, Tensor x) {
        return switch (act) {
            case RELU -> be.relu(x);
            case GELU -> be.gelu(x);
            case GELU_NEW -> be.geluTanh(x);
            case SILU -> be.silu(x);
        };
    }
}
