package io.lora4j.engine;

/**
 * The compute operations every model and adapter needs. A backend is passed explicitly to whatever
 * computes (there is no global default) and is safe to share between threads.
 *
 * <p>Conventions: inputs may be any view (strided, transposed, segment-backed in any float dtype);
 * results are new contiguous F32 heap tensors. "Last axis" ops treat a tensor as rows of its last
 * dimension. Shapes in comments use the names of the papers: x [.., K], W [N, K], ...
 *
 * <p>Implementations: {@link ScalarBackend} (plain loops, the reference every other backend is
 * tested against) and {@code CpuBackend} (Vector API, multithreaded). Others (TornadoVM) plug in
 * through {@link BackendProvider}.
 */
public interface Backend extends AutoCloseable {

    /** Short name, as on the command line ("scalar", "cpu", ...). */
    String name();

    /** Worker threads this backend computes with. */
    int threads();

    // ------------------------------------------------------------------ linear algebra

    /**
     * y = x·Wᵀ + bias. x [.., K] F32; W [N, K] in F32, BF16 or F16 (row-major, as HF stores Linear
     * weights; never transposed in memory); bias [N] or null. Returns [.., N].
     */
    Tensor linear(Tensor x, Tensor w, Tensor bias);

    /**
     * {@link #linear} of one x with several weights (a layer's q/k/v projections, a gated feed-forward's
     * wi_0/wi_1): the same results, which a backend may compute as one job (one hand-off to its workers, no
     * barrier between the weights). biases may be null or hold nulls. This default calls {@link #linear} for each.
     */
    default Tensor[] linears(Tensor x, Tensor[] weights, Tensor[] biases) {
        Tensor[] out = new Tensor[weights.length];
        for (int i = 0; i < weights.length; i++) out[i] = linear(x, weights[i], biases == null ? null : biases[i]);
        return out;
    }

    /**
     * Batched matrix product a [.., M, K] · b [.., K, N] → [.., M, N]. Leading (batch) dimensions
     * broadcast. Either operand may be a transposed view (e.g. {@code k.transpose(-1, -2)} for Q·Kᵀ).
     */
    Tensor matmul(Tensor a, Tensor b);

    /**
     * Multi-head attention without 1/√d scaling (T5's; other models scale q first): q [B, Tq, H·d],
     * k and v [B, Tk, H·d] with head h in columns h·d .. h·d+d-1 (as the q/k/v projections produce
     * them; any strides, e.g. a narrowed KV cache), bias broadcast to [B, H, Tq, Tk] or null →
     * [B, Tq, H·d] whose head h is softmax(q_h·k_hᵀ + bias_h)·v_h (the heads merged back, ready for
     * the output projection). A score row of only -inf gives zeros. This default composes
     * {@link #matmul} and {@link #softmax} (the reference); backends fuse it.
     */
    default Tensor attention(Tensor q, Tensor k, Tensor v, Tensor bias, int heads) {
        Shapes.checkAttention(q, k, v, heads);
        int b = q.dim(0), tq = q.dim(1), tk = k.dim(1), d = q.dim(2) / heads;
        Tensor qh = q.contiguous().reshape(b, tq, heads, d).permute(0, 2, 1, 3);
        Tensor kh = k.contiguous().reshape(b, tk, heads, d).permute(0, 2, 1, 3);
        Tensor vh = v.contiguous().reshape(b, tk, heads, d).permute(0, 2, 1, 3);
        Tensor probs = softmax(matmul(qh, kh.transpose(-1, -2)), bias);
        return matmul(probs, vh).permute(0, 2, 1, 3).contiguous().reshape(b, tq, heads * d);
    }

    /**
     * Keys k [B, Tk, H·d] in the layout this backend's {@link #attention} reads fastest when the same keys serve
     * many calls (cross-attention over the encoder output, once per decoding step): the same values as k,
     * possibly with other strides (the CPU backend stores kᵀ, so a decoding step's scores need no per-key
     * reductions). Pass the result to {@link #attention} in place of k. This default returns k itself.
     */
    default Tensor attentionKeys(Tensor k) {
        return k;
    }

    // ------------------------------------------------------------------ elementwise

    /** a + b with numpy broadcasting. */
    Tensor add(Tensor a, Tensor b);

    /** a ⊙ b with numpy broadcasting. */
    Tensor mul(Tensor a, Tensor b);

    /** s·x. */
    Tensor scale(Tensor x, float s);

    /** max(x, 0). */
    Tensor relu(Tensor x);

    /** Exact GELU: x·Φ(x) = 0.5·x·(1 + erf(x/√2)). */
    Tensor gelu(Tensor x);

    /** Tanh-approximated GELU ("gelu_new", used by T5 v1.1 / FLAN-T5). */
    Tensor geluTanh(Tensor x);

    /** SiLU: x·σ(x). */
    Tensor silu(Tensor x);

    // ------------------------------------------------------------------ normalization

    /** Softmax over the last axis of x + bias (bias broadcast to x, may hold -inf; null for none). A row of only -inf gives zeros. */
    Tensor softmax(Tensor x, Tensor bias);

    /** log softmax over the last axis. */
    Tensor logSoftmax(Tensor x);

    /** LayerNorm over the last axis: (x - mean)/sqrt(var + eps)·gamma + beta (biased variance). beta may be null. */
    Tensor layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps);

    /** T5-style RMSNorm over the last axis: x/sqrt(mean(x²) + eps)·gamma. No mean subtraction, no bias. */
    Tensor rmsNorm(Tensor x, Tensor gamma, float eps);

    // ------------------------------------------------------------------ gather, reductions

    /** Rows {@code ids} of table [V, D] (any float dtype) → [ids.length, D]. An id outside [0, V) is an error naming it. */
    Tensor embedding(Tensor table, int[] ids);

    /** Index of the largest element of each last-axis row (first one on ties). */
    int[] argmax(Tensor x);

    /** The k largest elements of each last-axis row, in descending order (lower index first on ties). */
    TopK topk(Tensor x, int k);

    /**
     * Cross-entropy of logits [N, V] against labels [N]; rows whose label equals {@code ignoreIndex}
     * contribute nothing. Sum and mean in double, as torch accumulates.
     */
    CrossEntropy crossEntropy(Tensor logits, int[] labels, int ignoreIndex);

    /** Concatenation along {@code dim}; all other dimensions must match. */
    Tensor concat(int dim, Tensor... parts);

    // ------------------------------------------------------------------ vision

    /**
     * Non-overlapping patches for a p×p, stride-p convolution: images [B, C, H, W] →
     * [B, (H/p)·(W/p), C·p·p], patches in row-major order, each flattened as (c, kh, kw) to match a
     * conv weight [O, C, p, p] viewed as [O, C·p·p]. H and W must be multiples of p.
     */
    Tensor im2colPatches(Tensor images, int patch);

    // ------------------------------------------------------------------ adapters

    /** W + s·B·A: W [O, I] (any float dtype), B [O, r], A [r, I] → F32 [O, I]. The LoRA merge. */
    Tensor addLowRank(Tensor w, float s, Tensor b, Tensor a);

    /**
     * Σᵢ weights[i]·parts[i] over tensors of one shape → F32 of that shape: the LoRAHub composition
     * A' = Σ wᵢAᵢ, B' = Σ wᵢBᵢ. Backends that keep the parts on a device (TornadoVM) override it.
     */
    default Tensor weightedSum(float[] weights, Tensor... parts) {
        if (parts.length == 0 || weights.length != parts.length) {
            throw new IllegalArgumentException("weightedSum: " + weights.length + " weights for " + parts.length + " tensors");
        }
        int[] shape = parts[0].shape();
        double[] acc = new double[parts[0].numel()];
        for (int i = 0; i < parts.length; i++) {
            if (!java.util.Arrays.equals(parts[i].shape(), shape)) {
                throw new IllegalArgumentException("weightedSum: tensor " + i + " has shape " + java.util.Arrays.toString(parts[i].shape())
                        + ", expected " + java.util.Arrays.toString(shape));
            }
            float[] v = parts[i].toFloatArray();
            for (int j = 0; j < v.length; j++) acc[j] += (double) weights[i] * v[j];
        }
        float[] out = new float[acc.length];
        for (int j = 0; j < out.length; j++) out[j] = (float) acc[j];
        return Tensor.of(out, shape);
    }

    /**
     * The GLoRA weight W0 + W0⊙A + B (see METHODS.md, "Reparameterization"): W0 [O, I] (any float
     * dtype); A and B broadcast to [O, I] (dense, an [O, 1] vector, a scalar) or are null (path "none").
     */
    default Tensor gloraWeight(Tensor w0, Tensor a, Tensor b) {
        if (w0.rank() != 2) throw new IllegalArgumentException("gloraWeight: W0 must be [O, I], got " + java.util.Arrays.toString(w0.shape()));
        Tensor w = Tensor.of(w0.toFloatArray(), w0.shape());
        if (a != null) w = add(w, mul(w0, a));
        if (b != null) w = add(w, b);
        if (!java.util.Arrays.equals(w.shape(), w0.shape())) {
            throw new IllegalArgumentException("gloraWeight: A/B do not broadcast to W0 " + java.util.Arrays.toString(w0.shape()));
        }
        return w;
    }

    /** Releases worker threads. The backend must not be used afterwards. */
    @Override
    void close();

    /** Result of {@link #topk}: values and indices, each [rows, k] flattened row-major. */
    record TopK(float[] values, int[] indices, int k) {}

    /** Result of {@link #crossEntropy}: per-row losses (0 for ignored rows), their sum and the count of rows that counted. */
    record CrossEntropy(float[] perRow, double sum, int count) {
        /** Token-mean: sum / count (NaN when nothing counted, as torch gives). */
        public double mean() {
            return sum / count;
        }
    }
}
