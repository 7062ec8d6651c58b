package io.lora4j.models.t5;

import io.lora4j.engine.Backend;
import io.lora4j.engine.Tensor;
import io.lora4j.models.nn.ForwardContext;
import io.lora4j.models.nn.Linear;

/**
 * T5 multi-head attention (HF {@code T5Attention}): q, k, v, o without bias, no 1/sqrt(d_kv) scaling,
 * an additive bias (relative position bias plus masks) on the scores. The first layer of each stack
 * owns {@code relative_attention_bias} [buckets, heads] and computes the bias the other layers share.
 */
final class T5Attention {
    final Linear q, k, v, o;
    private final int heads, dKv;
    private final float[] relativeBias; // [buckets, heads] widened to F32, or null
    private final boolean bidirectional;
    private final int numBuckets, maxDistance;

    T5Attention(T5Config c, Linear q, Linear k, Linear v, Linear o, Tensor relativeBias, boolean bidirectional) {
        this.q = q;
        this.k = k;
        this.v = v;
        this.o = o;
        this.heads = c.numHeads();
        this.dKv = c.dKv();
        this.relativeBias = relativeBias == null ? null : relativeBias.toFloatArray();
        this.bidirectional = bidirectional;
        this.numBuckets = c.relativeAttentionNumBuckets();
        this.maxDistance = c.relativeAttentionMaxDistance();
    }

    boolean hasRelativeBias() {
        return relativeBias != null;
    }

    /**
     * The position bias [1, H, qLen, kLen] for queries at absolute positions offset..offset+qLen-1 over keys
     * 0..kLen-1, plus a causal mask (-max float above the diagonal) when {@code causal}. The bucket depends only
     * on key − query position, so each of the qLen + kLen − 1 relative positions is bucketed once.
     */
    Tensor positionBias(int qLen, int kLen, int offset, boolean causal) {
        int minRel = -(offset + qLen - 1), span = kLen - 1 - minRel + 1;
        int[] buckets = new int[span];
        for (int r = 0; r < span; r++) buckets[r] = T5Buckets.bucket(minRel + r, bidirectional, numBuckets, maxDistance);
        float[] out = new float[heads * qLen * kLen];
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < qLen; i++) {
                int qp = offset + i, row = (h * qLen + i) * kLen, base = -qp - minRel;
                int end = causal ? Math.min(kLen, qp + 1) : kLen;
                for (int j = 0; j < end; j++) out[row + j] = relativeBias[buckets[base + j] * heads + h];
                if (end < kLen) java.util.Arrays.fill(out, row + end, row + kLen, -Float.MAX_VALUE);
            }
        }
        return Tensor.of(out, 1, heads, qLen, kLen);
    }

    /**
     * Self-attention when {@code kvInput} is null, else cross-attention over {@code kvInput} [B, S, D].
     * With a cache: self-attention appends this call's keys/values at {@code offset} and attends over all
     * cached positions; cross-attention computes K/V on the first call and reuses them. Heads are never split
     * into separate tensors: q, k, v stay [B, T, H·dk] and {@link Backend#attention} reads each head in place.
     */
    Tensor forward(Backend be, Tensor x, Tensor kvInput, Tensor bias, T5KvCache.Layer cache, int offset, ForwardContext ctx) {
        int len = x.dim(1);
        Tensor qx, kx, vx;
        if (kvInput != null) {
            qx = q.forward(be, x, ctx);
            if (cache != null && cache.crossK != null) {
                kx = cache.crossK;
                vx = cache.crossV;
            } else {
                Tensor[] kv = Linear.forwardAll(be, kvInput, ctx, k, v);
                kx = kv[0];
                vx = kv[1];
                if (cache != null) {
                    kx = be.attentionKeys(kx); // reused by every decoding step: the backend's preferred layout
                    cache.crossK = kx;
                    cache.crossV = vx;
                }
            }
        } else {
            Tensor[] qkv = Linear.forwardAll(be, x, ctx, q, k, v); // one job for the three projections of x
            qx = qkv[0];
            if (cache != null) {
                cache.append(qkv[1], qkv[2], offset);
                kx = cache.keys(offset + len);
                vx = cache.values(offset + len);
            } else {
                kx = qkv[1];
                vx = qkv[2];
            }
        }
        return o.forward(be, be.attention(qx, kx, vx, bias, heads), ctx);
    }
}
