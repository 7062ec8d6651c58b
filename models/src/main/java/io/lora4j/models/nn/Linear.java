package io.lora4j.models.nn;

import io.lora4j.engine.Backend;
import io.lora4j.engine.Tensor;

/**
 * Every linear layer of every model goes through this interface, so adapters (LoRA, GLoRA) wrap a
 * layer without the model code knowing. Implementations are immutable and thread-safe.
 *
 * <p>A layer is identified by its HF weight name without ".weight", e.g.
 * {@code encoder.block.0.layer.0.SelfAttention.q} or {@code vit.encoder.layer.3.intermediate.dense}.
 */
public interface Linear {

    /** Input features I. */
    int inFeatures();

    /** Output features O. */
    int outFeatures();

    /**
     * y = f(x): x [.., I] → [.., O]. {@code ctx} carries per-request data that some adapters need
     * (e.g. which LoRAHub candidate each batch row belongs to); plain layers ignore it.
     */
    Tensor forward(Backend backend, Tensor x, ForwardContext ctx);
}
