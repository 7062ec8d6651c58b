package io.lora4j.engine;

import java.util.Arrays;

/**
 * The reference backend: plain loops over {@code float[]}, single-threaded, written to be obviously
 * correct rather than fast. Every other backend is differential-tested against this one.
 * Accumulations are in double where that makes the reference tighter than any fast kernel.
 */
public final class ScalarBackend implements Backend {

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public int threads() {
        return 1;
    }

    @Override
    public void close() {}

    // ------------------------------------------------------------------ linear algebra

    @Override
    public Tensor linear(Tensor x, Tensor w, Tensor bias) {
        if (w.rank() != 2) throw new IllegalArgumentException("linear: weight must be [N, K], got " + Arrays.toString(w.shape()));
        int n = w.dim(0), k = w.dim(1);
        Shapes.requireLastDim(x, k, "linear input");
        if (bias != null) Shapes.requireLastDim(bias, n, "linear bias");
        float[] xs = x.toFloatArray(), ws = w.toFloatArray(), bs = bias == null ? null : bias.toFloatArray();
        int m = xs.length / Math.max(k, 1);
        if (k == 0) m = x.numel() == 0 ? Shapes.prod(x.shape(), 0, x.rank() - 1) : 0;
        float[] out = new float[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double acc = bs == null ? 0 : bs[j];
                for (int p = 0; p < k; p++) acc += (double) xs[i * k + p] * ws[j * k + p];
                out[i * n + j] = (float) acc;
            }
        }
        int[] shape = x.shape();
        shape[shape.length - 1] = n;
        return Tensor.of(out, shape);
    }

    @Override
    public Tensor matmul(Tensor a, Tensor b) {
        if (a.rank() < 2 || b.rank() < 2) throw new IllegalArgumentException("matmul needs rank ≥ 2 operands");
        int m = a.dim(-2), k = a.dim(-1), n = b.dim(-1);
        if (b.dim(-2) != k) throw new IllegalArgumentException("matmul: " + Arrays.toString(a.shape()) + " · " + Arrays.toString(b.shape()));
        int[] batch = Shapes.broadcast(Arrays.copyOf(a.shape(), a.rank() - 2), Arrays.copyOf(b.shape(), b.rank() - 2));
        int[] outShape = Arrays.copyOf(batch, batch.length + 2);
        outShape[batch.length] = m;
        outShape[batch.length + 1] = n;
        int[] aFull = Arrays.copyOf(batch, batch.length + 2);
        aFull[batch.length] = m;
        aFull[batch.length + 1] = k;
        int[] bFull = Arrays.copyOf(batch, batch.length + 2);
        bFull[batch.length] = k;
        bFull[batch.length + 1] = n;
        long[] as = Shapes.broadcastStrides(a, aFull), bs = Shapes.broadcastStrides(b, bFull);
        int nb = Shapes.prod(batch, 0, batch.length);
        float[] out = new float[nb * m * n];
        int[] bi = new int[batch.length];
        for (int t = 0; t < nb; t++) {
            long ao = a.offset(), bo = b.offset();
            for (int d = 0; d < batch.length; d++) {
                ao += bi[d] * as[d];
                bo += bi[d] * bs[d];
            }
            long asm = as[batch.length], ask = as[batch.length + 1], bsk = bs[batch.length], bsn = bs[batch.length + 1];
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double acc = 0;
                    for (int p = 0; p < k; p++) acc += (double) a.readFloat(ao + i * asm + p * ask) * b.readFloat(bo + p * bsk + j * bsn);
                    out[(t * m + i) * n + j] = (float) acc;
                }
            }
            for (int d = batch.length - 1; d >= 0; d--) {
                if (++bi[d] < batch[d]) break;
                bi[d] = 0;
            }
        }
        return Tensor.of(out, outShape);
    }

    // ------------------------------------------------------------------ elementwise

    private interface Binary {
        float apply(float x, float y);
    }

    private static Tensor broadcastOp(Tensor a, Tensor b, Binary op) {
        int[] shape = Shapes.broadcast(a.shape(), b.shape());
        long[] as = Shapes.broadcastStrides(a, shape), bs = Shapes.broadcastStrides(b, shape);
        int n = Shapes.prod(shape, 0, shape.length);
        float[] out = new float[n];
        int[] idx = new int[shape.length];
        for (int i = 0; i < n; i++) {
            long pa = a.offset(), pb = b.offset();
            for (int d = 0; d < shape.length; d++) {
                pa += idx[d] * as[d];
                pb += idx[d] * bs[d];
            }
            out[i] = op.apply(a.readFloat(pa), b.readFloat(pb));
            for (int d = shape.length - 1; d >= 0; d--) {
                if (++idx[d] < shape[d]) break;
                idx[d] = 0;
            }
        }
        return Tensor.of(out, shape);
    }

    private interface Unary {
        float apply(float x);
    }

    private static Tensor map(Tensor x, Unary op) {
        float[] v = x.toFloatArray();
        for (int i = 0; i < v.length; i++) v[i] = op.apply(v[i]);
        return Tensor.of(v, x.shape());
    }

    @Override
    public Tensor add(Tensor a, Tensor b) {
        return broadcastOp(a, b, Float::sum);
    }

    @Override
    public Tensor mul(Tensor a, Tensor b) {
        return broadcastOp(a, b, (x, y) -> x * y);
    }

    @Override
    public Tensor scale(Tensor x, float s) {
        return map(x, v -> v * s);
    }

    @Override
    public Tensor relu(Tensor x) {
        return map(x, v -> v > 0 ? v : 0f);
    }

    @Override
    public Tensor gelu(Tensor x) {
        return map(x, v -> (float) (0.5 * v * (1 + MathFunctions.erf(v / Math.sqrt(2)))));
    }

    @Override
    public Tensor geluTanh(Tensor x) {
        return map(x, v -> (float) (0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)))));
    }

    @Override
    public Tensor silu(Tensor x) {
        return map(x, v -> (float) (v / (1 + Math.exp(-v))));
    }

    // ------------------------------------------------------------------ normalization

    @Override
    public Tensor softmax(Tensor x, Tensor bias) {
        Tensor in = bias == null ? x.contiguous() : add(x, bias);
        if (bias != null && !Arrays.equals(in.shape(), x.shape())) {
            throw new IllegalArgumentException("softmax bias " + Arrays.toString(bias.shape()) + " does not broadcast to " + Arrays.toString(x.shape()));
        }
        float[] v = in.toFloatArray();
        int d = x.dim(-1), rows = d == 0 ? 0 : v.length / d;
        for (int r = 0; r < rows; r++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < d; j++) max = Math.max(max, v[r * d + j]);
            if (max == Double.NEGATIVE_INFINITY) {
                Arrays.fill(v, r * d, r * d + d, 0f);
                continue;
            }
            double sum = 0;
            for (int j = 0; j < d; j++) sum += Math.exp(v[r * d + j] - max);
            for (int j = 0; j < d; j++) v[r * d + j] = (float) (Math.exp(v[r * d + j] - max) / sum);
        }
        return Tensor.of(v, x.shape());
    }

    @Override
    public Tensor logSoftmax(Tensor x) {
        float[] v = x.toFloatArray();
        int d = x.dim(-1), rows = d == 0 ? 0 : v.length / d;
        for (int r = 0; r < rows; r++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < d; j++) max = Math.max(max, v[r * d + j]);
            double sum = 0;
            for (int j = 0; j < d; j++) sum += Math.exp(v[r * d + j] - max);
            double lse = max + Math.log(sum);
            for (int j = 0; j < d; j++) v[r * d + j] = (float) (v[r * d + j] - lse);
        }
        return Tensor.of(v, x.shape());
    }

    @Override
    public Tensor layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps) {
        int d = x.dim(-1);
        Shapes.requireLastDim(gamma, d, "layerNorm gamma");
        float[] v = x.toFloatArray(), g = gamma.toFloatArray(), b = beta == null ? null : beta.toFloatArray();
        int rows = d == 0 ? 0 : v.length / d;
        for (int r = 0; r < rows; r++) {
            double mean = 0;
            for (int j = 0; j < d; j++) mean += v[r * d + j];
            mean /= d;
            double var = 0;
            for (int j = 0; j < d; j++) var += (v[r * d + j] - mean) * (v[r * d + j] - mean);
            var /= d;
            double inv = 1 / Math.sqrt(var + eps);
            for (int j = 0; j < d; j++) v[r * d + j] = (float) ((v[r * d + j] - mean) * inv * g[j] + (b == null ? 0 : b[j]));
        }
        return Tensor.of(v, x.shape());
    }

    @Override
    public Tensor rmsNorm(Tensor x, Tensor gamma, float eps) {
        int d = x.dim(-1);
        Shapes.requireLastDim(gamma, d, "rmsNorm gamma");
        float[] v = x.toFloatArray(), g = gamma.toFloatArray();
        int rows = d == 0 ? 0 : v.length / d;
        for (int r = 0; r < rows; r++) {
            double ss = 0;
            for (int j = 0; j < d; j++) ss += (double) v[r * d + j] * v[r * d + j];
            double inv = 1 / Math.sqrt(ss / d + eps);
            for (int j = 0; j < d; j++) v[r * d + j] = (float) (v[r * d + j] * inv * g[j]);
        }
        return Tensor.of(v, x.shape());
    }

    // ------------------------------------------------------------------ gather, reductions

    @Override
    public Tensor embedding(Tensor table, int[] ids) {
        int vocab = table.dim(0), d = table.dim(1);
        float[] out = new float[ids.length * d];
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocab) throw new IndexOutOfBoundsException("token id " + ids[i] + " outside vocabulary [0, " + vocab + ")");
            for (int j = 0; j < d; j++) out[i * d + j] = table.get(ids[i], j);
        }
        return Tensor.of(out, ids.length, d);
    }

    @Override
    public int[] argmax(Tensor x) {
        float[] v = x.toFloatArray();
        int d = x.dim(-1), rows = d == 0 ? 0 : v.length / d;
        int[] out = new int[rows];
        for (int r = 0; r < rows; r++) {
            int best = 0;
            for (int j = 1; j < d; j++) if (v[r * d + j] > v[r * d + best]) best = j;
            out[r] = best;
        }
        return out;
    }

    @Override
    public TopK topk(Tensor x, int k) {
        float[] v = x.toFloatArray();
        int d = x.dim(-1), rows = d == 0 ? 0 : v.length / d;
        if (k < 0 || k > d) throw new IllegalArgumentException("topk k=" + k + " for rows of " + d);
        float[] vals = new float[rows * k];
        int[] idx = new int[rows * k];
        for (int r = 0; r < rows; r++) {
            boolean[] taken = new boolean[d];
            for (int t = 0; t < k; t++) {
                int best = -1;
                for (int j = 0; j < d; j++) if (!taken[j] && (best < 0 || v[r * d + j] > v[r * d + best])) best = j;
                taken[best] = true;
                vals[r * k + t] = v[r * d + best];
                idx[r * k + t] = best;
            }
        }
        return new TopK(vals, idx, k);
    }

    @Override
    public CrossEntropy crossEntropy(Tensor logits, int[] labels, int ignoreIndex) {
        int v = logits.dim(-1);
        Tensor ls = logSoftmax(logits);
        float[] l = ls.array();
        if (l.length / Math.max(v, 1) != labels.length) throw new IllegalArgumentException("crossEntropy: " + labels.length + " labels for " + l.length / v + " rows");
        float[] per = new float[labels.length];
        double sum = 0;
        int count = 0;
        for (int r = 0; r < labels.length; r++) {
            if (labels[r] == ignoreIndex) continue;
            if (labels[r] < 0 || labels[r] >= v) throw new IndexOutOfBoundsException("label " + labels[r] + " outside [0, " + v + ")");
            per[r] = -l[r * v + labels[r]];
            sum += per[r];
            count++;
        }
        return new CrossEntropy(per, sum, count);
    }

    @Override
    public Tensor concat(int dim, Tensor... parts) {
        return Concat.concat(dim, parts);
    }

    // ------------------------------------------------------------------ vision

    @Override
    public Tensor im2colPatches(Tensor images, int p) {
        int b = images.dim(0), c = images.dim(1), h = images.dim(2), w = images.dim(3);
        if (h % p != 0 || w % p != 0) throw new IllegalArgumentException("image " + h + "×" + w + " is not a multiple of patch " + p);
        int gh = h / p, gw = w / p, cols = c * p * p;
        float[] out = new float[b * gh * gw * cols];
        for (int n = 0; n < b; n++)
            for (int py = 0; py < gh; py++)
                for (int px = 0; px < gw; px++)
                    for (int ch = 0; ch < c; ch++)
                        for (int ky = 0; ky < p; ky++)
                            for (int kx = 0; kx < p; kx++)
                                out[((n * gh + py) * gw + px) * cols + (ch * p + ky) * p + kx] = images.get(n, ch, py * p + ky, px * p + kx);
        return Tensor.of(out, b, gh * gw, cols);
    }

    // ------------------------------------------------------------------ adapters

    @Override
    public Tensor addLowRank(Tensor w, float s, Tensor b, Tensor a) {
        int o = w.dim(0), in = w.dim(1), r = a.dim(0);
        if (b.dim(0) != o || b.dim(1) != r || a.dim(1) != in) {
            throw new IllegalArgumentException("addLowRank: W " + Arrays.toString(w.shape()) + ", B " + Arrays.toString(b.shape()) + ", A " + Arrays.toString(a.shape()));
        }
        float[] out = w.toFloatArray();
        for (int i = 0; i < o; i++)
            for (int j = 0; j < in; j++) {
                double acc = 0;
                for (int t = 0; t < r; t++) acc += (double) b.get(i, t) * a.get(t, j);
                out[i * in + j] = (float) (out[i * in + j] + s * acc);
            }
        return Tensor.of(out, o, in);
    }
}
