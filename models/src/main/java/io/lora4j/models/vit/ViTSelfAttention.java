package io.lora4j.models.vit;

import io.lora4j.engine.Backend;
import io.lora4j.engine.Tensor;
import io.lora4j.models.nn.ForwardContext;
import io.lora4j.models.nn.Linear;
import io.lora4j.models.nn.LinearRewriter;

/**
 * Multi-head self-attention without the output projection (HF {@code ViTSelfAttention}):
 * softmax(Q·Kᵀ/√d)·V per head. Q, K, V come from three Linears (HF) or one fused {@code qkv} Linear
 * whose output rows are [q | k | v] (timm), split by views.
 */
public final class ViTSelfAttention {
    private final Linear query, key, value, qkv;
    private final String queryName, keyName, valueName, qkvName;
    private final int heads;

    private ViTSelfAttention(Linear query, Linear key, Linear value, Linear qkv, String queryName, String keyName,
                             String valueName, String qkvName, int heads) {
        this.query = query;
        this.key = key;
        this.value = value;
        this.qkv = qkv;
        this.queryName = queryName;
        this.keyName = keyName;
        this.valueName = valueName;
        this.qkvName = qkvName;
        this.heads = heads;
    }

    static ViTSelfAttention separate(Linear q, Linear k, Linear v, String qn, String kn, String vn, int heads) {
        return new ViTSelfAttention(q, k, v, null, qn, kn, vn, null, heads);
    }

    static ViTSelfAttention fused(Linear qkv, String name, int heads) {
        return new ViTSelfAttention(null, null, null, qkv, null, null, null, name, heads);
    }

    ViTSelfAttention withLinears(LinearRewriter r) {
        if (qkv != null) return fused(r.rewrite(qkvName, qkv), qkvName, heads);
        return separate(r.rewrite(queryName, query), r.rewrite(keyName, key), r.rewrite(valueName, value),
                queryName, keyName, valueName, heads);
    }

    void names(java.util.List<String> out) {
        if (qkv != null) out.add(qkvName);
        else {
            out.add(queryName);
            out.add(keyName);
            out.add(valueName);
        }
    }

    /** x [B, N, D] → context [B, N, D]. */
    public Tensor forward(Backend backend, Tensor x, ForwardContext ctx) {
        int b = x.dim(0), n = x.dim(1), d = x.dim(2), dh = d / heads;
        Tensor q, k, v;
        if (qkv != null) {
            Tensor all = qkv.forward(backend, x, ctx).reshape(b, n, 3, heads, dh);
            q = all.select(2, 0).permute(0, 2, 1, 3);
            k = all.select(2, 1).permute(0, 2, 1, 3);
            v = all.select(2, 2).permute(0, 2, 1, 3);
        } else {
            q = query.forward(backend, x, ctx).reshape(b, n, heads, dh).permute(0, 2, 1, 3);
            k = key.forward(backend, x, ctx).reshape(b, n, heads, dh).permute(0, 2, 1, 3);
            v = value.forward(backend, x, ctx).reshape(b, n, heads, dh).permute(0, 2, 1, 3);
        }
        Tensor scores = backend.scale(backend.matmul(q, k.transpose(-1, -2)), (float) (1 / Math.sqrt(dh))); // [B, H, N, N]
        Tensor probs = backend.softmax(scores, null);
        Tensor ctxOut = backend.matmul(probs, v); // [B, H, N, dh]
        return mergeHeads(ctxOut, b, heads, n, dh);
    }

    /** [B, H, N, dh] → [B, N, H·dh] (HF's permute(0, 2, 1, 3).reshape), one row copy per (b, h, token). */
    static Tensor mergeHeads(Tensor x, int b, int heads, int n, int dh) {
        // device data (TornadoVM) is reordered on the device, not read to the heap
        if (x.isOnDevice()) return x.permute(0, 2, 1, 3).contiguous().reshape(b, n, heads * dh);
        Tensor c = x.contiguous();
        float[] src = c.array(), dst = new float[b * n * heads * dh];
        int off = (int) c.offset(), d = heads * dh;
        for (int bi = 0; bi < b; bi++)
            for (int h = 0; h < heads; h++)
                for (int t = 0; t < n; t++)
                    System.arraycopy(src, off + ((bi * heads + h) * n + t) * dh, dst, (bi * n + t) * d + h * dh, dh);
        return Tensor.of(dst, b, n, d);
    }
}
