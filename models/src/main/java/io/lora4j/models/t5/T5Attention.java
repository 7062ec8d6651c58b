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
     * 0..kLen-1, plus a causal mask (-max float above the diagonal) when {@code causal}.
     */
    Tensor positionBias(int qLen, int kLen, int offset, boolean causal) {
        float[] out = new float[heads * qLen * kLen];
        for (int i = 0; i < qLen; i++) {
            int qp = offset + i;
            for (int j = 0; j < kLen; j++) {
                int b = T5Buckets.bucket(j - qp, bidirectional, numBuckets, maxDistance);
                boolean masked = causal && j > qp;
                for (int h = 0; h < heads; h++) {
                    out[(h * qLen + i) * kLen + j] = masked ? -Float.MAX_VALUE : relativeBias[b * heads + h];
                }
            }
        }
        return Tensor.of(out, 1, heads, qLen, kLen);
    }

    /** [B, T, H·dk] → [B, H, T, dk] (a view). */
    private Tensor splitHeads(Tensor t) {
        int b = t.dim(0), len = t.dim(1);
        return t.contiguous().reshape(b, len, heads, dKv).permute(0, 2, 1, 3);
    }

    /**
     * Self-attention when {@code kvInput} is null, else cross-attention over {@code kvInput} [B, S, D].
     * With a cache: self-attention appends this call's keys/values at {@code offset} and attends over all
     * cached positions; cross-attention computes K/V on the first call and reuses them.
     */
    Tensor forward(Backend be, Tensor x, Tensor kvInput, Tensor bias, T5KvCache.Layer cache, int offset, ForwardContext ctx) {
        int b = x.dim(0), len = x.dim(1);
        Tensor qh = splitHeads(q.forward(be, x, ctx));
        Tensor kh, vh;
        if (kvInput != null) {
            if (cache != null && cache.crossK != null) {
                kh = cache.crossK;
                vh = cache.crossV;
            } else {
                kh = splitHeads(k.forward(be, kvInput, ctx));
                vh = splitHeads(v.forward(be, kvInput, ctx));
                if (cache != null) {
                    cache.crossK = kh;
                    cache.crossV = vh;
                }
            }
        } else if (cache != null) {
            cache.append(k.forward(be, x, ctx), v.forward(be, x, ctx), offset);
            kh = cache.keys(offset + len);
            vh = cache.values(offset + len);
        } else {
            kh = splitHeads(k.forward(be, x, ctx));
            vh = splitHeads(v.forward(be, x, ctx));
        }
        Tensor scores = be.matmul(qh, kh.transpose(-1, -2));
        Tensor probs = be.softmax(scores, bias);
        Tensor ctxv = be.matmul(probs, vh);
        Tensor merged = ctxv.permute(0, 2, 1, 3).contiguous().reshape(b, len, heads * dKv);
        return o.forward(be, merged, ctx);
    }
}
