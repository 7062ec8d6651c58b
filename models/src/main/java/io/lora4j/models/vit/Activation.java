package io.lora4j.models.vit;

import io.lora4j.engine.Backend;
import io.lora4j.engine.BadInputException;
import io.lora4j.engine.Tensor;

/** The MLP activations HF's ViT configs name in {@code hidden_act}, mapped to backend ops. */
enum Activation {
    GELU, GELU_TANH, RELU, SILU;

    static Activation of(String name) {
        return switch (name) {
            case "gelu" -> GELU;
            case "gelu_new", "gelu_pytorch_tanh", "gelu_fast" -> GELU_TANH;
            case "relu" -> RELU;
            case "silu", "swish" -> SILU;
            default -> throw new BadInputException("hidden_act '" + name + "' is not supported (gelu, gelu_new, gelu_pytorch_tanh, relu, silu)");
        };
    }

    Tensor apply(Backend b, Tensor x) {
        return switch (this) {
            case GELU -> b.gelu(x);
            case GELU_TANH -> b.geluTanh(x);
            case RELU -> b.relu(x);
            case SILU -> b.silu(x);
        };
    }
}
