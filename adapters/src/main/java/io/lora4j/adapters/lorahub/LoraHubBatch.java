package io.lora4j.adapters.lorahub;

import io.lora4j.engine.Tensor;
import io.lora4j.models.nn.ForwardContext;

/**
 * The composed factors of P LoRAHub candidates for one batched forward pass ({@link LoraHubComposer#composeBatch}):
 * per adapted layer A'_c = Σᵢ w_ci·Aᵢ stacked as [P, r, in] and s·B'_c = s·Σᵢ w_ci·Bᵢ stacked as [P, out, r] (the
 * layer's scaling folded in). Carried to every {@link LoraHubBatchLinear} in the {@link ForwardContext} under
 * {@link #KEY}; the batch's rows are P equal groups in candidate order (candidate c owns rows
 * [c·n/P, (c+1)·n/P) of every layer input with n rows). Immutable.
 */
public final class LoraHubBatch {
    /** The context key the batched layers read. */
    public static final ForwardContext.Key<LoraHubBatch> KEY = new ForwardContext.Key<>("lorahub.batch");

    private final LoraHubComposer owner;
    private final int candidates;
    private final Tensor[] a, b;

    LoraHubBatch(LoraHubComposer owner, int candidates, Tensor[] a, Tensor[] b) {
        this.owner = owner;
        this.candidates = candidates;
        this.a = a;
        this.b = b;
    }

    /** Number of candidates P (row groups). */
    public int candidates() {
        return candidates;
    }

    /** Layer {@code layer}'s stacked A' [P, r, in] (layer index as in {@link LoraHubComposer#layers()}). */
    public Tensor a(int layer) {
        return a[layer];
    }

    /** Layer {@code layer}'s stacked s·B' [P, out, r]. */
    public Tensor scaledB(int layer) {
        return b[layer];
    }

    /** A forward context that carries this batch. */
    public ForwardContext context() {
        return ForwardContext.NONE.with(KEY, this);
    }

    LoraHubComposer owner() {
        return owner;
    }
}
