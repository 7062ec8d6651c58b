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

    /**
     * The outputs of several layers that read the same x (q/k/v projections, a gated feed-forward's wi_0/wi_1):
     * when all are plain {@link DenseLinear} layers they go to {@link Backend#linears} together (one job on the
     * CPU backend); otherwise (an adapter wraps one of them) each runs its own {@link #forward}.
     */
    static Tensor[] forwardAll(Backend backend, Tensor x, ForwardContext ctx, Linear... layers) {
        Tensor[] ws = new Tensor[layers.length], bs = new Tensor[layers.length];
        boolean dense = true;
        for (int i = 0; i < layers.length && dense; i++) {
            if (layers[i] instanceof DenseLinear d) {
                ws[i] = d.weight();
                bs[i] = d.bias();
            } else {
                dense = false;
            }
        }
        if (dense) return backend.linears(x, ws, bs);
        Tensor[] out = new Tensor[layers.length];
        for (int i = 0; i < layers.length; i++) out[i] = layers[i].forward(backend, x, ctx);
        return out;
    }
}
