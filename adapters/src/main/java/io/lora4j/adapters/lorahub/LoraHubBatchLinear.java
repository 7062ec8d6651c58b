package io.lora4j.adapters.lorahub;

import io.lora4j.engine.Backend;
import io.lora4j.engine.Tensor;
import io.lora4j.models.nn.ForwardContext;
import io.lora4j.models.nn.Linear;

/**
 * A layer adapted by a whole population of LoRAHub candidates at once: y = W0·x for all rows in one call of the base
 * layer, plus, for each candidate c, s·B'_c(A'_c·x_c) on its own group of rows x_c (two batched matmuls over the P
 * groups). The candidates' factors come from the {@link LoraHubBatch} in the {@link ForwardContext}; without one the
 * layer is the base layer. Made by {@link LoraHubComposer#batchRewriter()}. Immutable, thread-safe.
 */
public final class LoraHubBatchLinear implements Linear {
    private final Linear base;
    private final LoraHubComposer owner;
    private final int layer;
    private final String name;

    LoraHubBatchLinear(Linear base, LoraHubComposer owner, int layer, String name) {
        this.base = base;
        this.owner = owner;
        this.layer = layer;
        this.name = name;
    }

    public Linear base() {
        return base;
    }

    @Override
    public int inFeatures() {
        return base.inFeatures();
    }

    @Override
    public int outFeatures() {
        return base.outFeatures();
    }

    @Override
    public Tensor forward(Backend backend, Tensor x, ForwardContext ctx) {
        Tensor y = base.forward(backend, x, ctx);
        LoraHubBatch batch = ctx.get(LoraHubBatch.KEY);
        if (batch == null) return y;
        if (batch.owner() != owner) throw new IllegalArgumentException(name + ": the LoRAHub batch was composed by another composer");
        int p = batch.candidates(), in = inFeatures();
        int rows = x.numel() / in, lead = x.rank() >= 3 ? x.dim(0) : rows; // [B, L, in]: the batch rows are grouped
        if (lead % p != 0) throw new IllegalArgumentException(name + ": " + lead + " batch rows do not split into " + p + " candidate groups");
        Tensor xg = x.contiguous().reshape(p, rows / p, in);
        Tensor h = backend.matmul(xg, batch.a(layer).transpose(1, 2));        // [P, n, r]
        Tensor u = backend.matmul(h, batch.scaledB(layer).transpose(1, 2));   // [P, n, out]
        return backend.add(y, u.reshape(y.shape()));
    }
}
