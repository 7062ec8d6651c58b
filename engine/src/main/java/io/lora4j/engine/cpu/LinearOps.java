package io.lora4j.engine.cpu;

import io.lora4j.engine.Shapes;
import io.lora4j.engine.Tensor;
import java.util.Arrays;

/** x·Wᵀ + bias (GEMV for a few rows, blocked GEMM otherwise) and the LoRA merge W + s·B·A. */
public final class LinearOps {
    private LinearOps() {}

    /** Up to this many rows of x take the streaming GEMV path (W read once, no packing). */
    public static final int GEMV_MAX_ROWS = 8;

    public static Tensor linear(Parallel par, Tensor x, Tensor w, Tensor bias) {
        if (w.rank() != 2) throw new IllegalArgumentException("linear: weight must be [N, K], got " + Arrays.toString(w.shape()));
        int n = w.dim(0), k = w.dim(1);
        Shapes.requireLastDim(x, k, "linear input");
        if (bias != null) Shapes.requireLastDim(bias, n, "linear bias");
        int[] shape = x.shape();
        shape[shape.length - 1] = n;
        int m = Shapes.prod(shape, 0, shape.length - 1);
        float[] out = new float[m * n];
        if (out.length == 0) return Tensor.of(out, shape);
        float[] bs = bias == null ? null : bias.toFloatArray();
        if (k == 0) {
            biasRows(bs, m, n, out);
            return Tensor.of(out, shape);
        }
        float[] xs = x.contiguous().array();
        MatrixRows wr = MatrixRows.of(w);
        if (m <= GEMV_MAX_ROWS) {
            Gemv.run(par, m, xs, wr, bs, out);
        } else {
            biasRows(bs, m, n, out);
            if (m <= SkinnyGemm.MAX_ROWS) SkinnyGemm.run(par, m, xs, wr, out);
            else Gemm.gemm(par, m, n, k, xs, 0, k, 1, Gemm.transposedRows(wr), out, 0, n);
        }
        return Tensor.of(out, shape);
    }

    /**
     * x·Wᵢᵀ + bᵢ for weights that share x (biases may be null or hold nulls): up to {@link #GEMV_MAX_ROWS} rows
     * one GEMV job over all the weights' rows ({@link Gemv#runMany}); up to {@link SkinnyGemm#MAX_ROWS} rows
     * x packed once and one job over all the weights' row tiles ({@link SkinnyGemm#runMany}); more rows, one
     * {@link #linear} each.
     */
    public static Tensor[] linears(Parallel par, Tensor x, Tensor[] ws, Tensor[] biases) {
        Tensor[] out = new Tensor[ws.length];
        if (ws.length == 0) return out;
        int k = x.rank() == 0 ? 0 : x.dim(-1);
        int m = x.rank() == 0 ? 0 : Shapes.prod(x.shape(), 0, x.rank() - 1);
        boolean fused = ws.length > 1 && m > 0 && m <= SkinnyGemm.MAX_ROWS && k > 0;
        for (Tensor w : ws) fused &= w.rank() == 2 && w.dim(1) == k && w.dim(0) > 0;
        if (!fused) {
            for (int i = 0; i < ws.length; i++) out[i] = linear(par, x, ws[i], biases == null ? null : biases[i]);
            return out;
        }
        MatrixRows[] wr = new MatrixRows[ws.length];
        float[][] bs = new float[ws.length][], os = new float[ws.length][];
        for (int i = 0; i < ws.length; i++) {
            Tensor b = biases == null ? null : biases[i];
            if (b != null) Shapes.requireLastDim(b, ws[i].dim(0), "linear bias");
            wr[i] = MatrixRows.of(ws[i]);
            bs[i] = b == null ? null : b.toFloatArray();
            os[i] = new float[m * ws[i].dim(0)];
        }
        float[] xs = x.contiguous().array();
        if (m <= GEMV_MAX_ROWS) {
            Gemv.runMany(par, m, xs, wr, bs, os);
        } else {
            for (int i = 0; i < ws.length; i++) biasRows(bs[i], m, ws[i].dim(0), os[i]);
            SkinnyGemm.runMany(par, m, xs, wr, os);
        }
        for (int i = 0; i < ws.length; i++) {
            int[] shape = x.shape();
            shape[shape.length - 1] = ws[i].dim(0);
            out[i] = Tensor.of(os[i], shape);
        }
        return out;
    }

    /** out[i·n ..] = bias for each of the m rows (the GEMMs add into out); nothing when bias is null. */
    private static void biasRows(float[] bias, int m, int n, float[] out) {
        if (bias != null) for (int i = 0; i < m; i++) System.arraycopy(bias, 0, out, i * n, n);
    }

    /** W + s·B·A: W [O, I] (any float dtype), B [O, r], A [r, I] → F32 [O, I]. */
    public static Tensor addLowRank(Parallel par, Tensor w, float s, Tensor b, Tensor a) {
        if (w.rank() != 2 || b.rank() != 2 || a.rank() != 2) throw new IllegalArgumentException("addLowRank: W, B and A must be matrices");
        int o = w.dim(0), in = w.dim(1), r = a.dim(0);
        if (b.dim(0) != o || b.dim(1) != r || a.dim(1) != in) {
            throw new IllegalArgumentException("addLowRank: W " + Arrays.toString(w.shape()) + ", B " + Arrays.toString(b.shape()) + ", A " + Arrays.toString(a.shape()));
        }
        float[] out = new float[o * in];
        MatrixRows wr = MatrixRows.of(w);
        par.range(o, Math.max(1, (1 << 15) / Math.max(1, in)), (from, to) -> {
            for (int i = from; i < to; i++) wr.rowToFloat(i, 0, in, out, i * in);
        });
        float[] sb = b.toFloatArray(); // [O, r], scaled by s
        for (int i = 0; i < sb.length; i++) sb[i] *= s;
        Tensor ha = Elementwise.heap(a);
        Gemm.gemm(par, o, in, r, sb, 0, r, 1, Gemm.strided(ha.array(), (int) ha.offset(), (int) ha.stride(0), (int) ha.stride(1)), out, 0, in);
        return Tensor.of(out, o, in);
    }
}
