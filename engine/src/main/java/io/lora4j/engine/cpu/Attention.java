package io.lora4j.engine.cpu;

import io.lora4j.engine.Shapes;
import io.lora4j.engine.Tensor;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Fused multi-head attention (no 1/√d scaling, as T5): for every (batch row, head) the scores
 * q_h·k_hᵀ + bias, their softmax and the product with v_h, written straight into the merged
 * [B, Tq, H·d] output. q, k, v are read in place through their row strides (projection outputs,
 * a narrowed KV cache), so nothing is split, permuted or packed per head.
 *
 * <ul>
 *   <li>Fewer than {@link #R} query rows (incremental decoding): per query row, dot products against
 *       four keys at a time, softmax, then one axpy of v per key into the output row.</li>
 *   <li>More (encoder, teacher forcing): k_h is transposed once per task into a [d, Tk] buffer padded
 *       to whole vector pairs, then register tiles of R query rows × 2 vectors compute the scores and,
 *       after the softmax, R rows × 2 vectors of the output (v_h rows read in place when d is a
 *       multiple of two vectors, else copied into a padded buffer).</li>
 * </ul>
 * Tasks are (batch row, head) pairs (plus row blocks when there are fewer pairs than threads).
 */
public final class Attention {
    private Attention() {}

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int L = F.length();
    /** Width of a register tile's columns: two vectors. */
    static final int W = 2 * L;
    /** Query rows per register tile; fewer rows take the dot/axpy path. */
    static final int R = 4;
    /** Below this many multiply-adds (scores plus output) one thread does it all. */
    static final long PARALLEL_MACS = 1L << 17;

    public static Tensor attention(Parallel par, Tensor q0, Tensor k0, Tensor v0, Tensor bias0, int heads) {
        Shapes.checkAttention(q0, k0, v0, heads);
        final int b = q0.dim(0), tq = q0.dim(1), tk = k0.dim(1), dm = q0.dim(2), d = dm / heads;
        float[] out = new float[b * tq * dm];
        if (out.length == 0 || tk == 0) return Tensor.of(out, b, tq, dm);
        Tensor q = rows(q0), k = rows(k0), v = rows(v0);
        int[] full = {b, heads, tq, tk};
        Tensor bias = null;
        long[] bs = null;
        if (bias0 != null) {
            if (!Arrays.equals(Shapes.broadcast(bias0.shape(), full), full)) {
                throw new IllegalArgumentException("attention bias " + Arrays.toString(bias0.shape()) + " does not broadcast to " + Arrays.toString(full));
            }
            bias = Elementwise.heap(bias0);
            bs = Shapes.broadcastStrides(bias, full);
            if (tk > 1 && bs[3] != 0 && bs[3] != 1) {
                bias = bias.contiguous();
                bs = Shapes.broadcastStrides(bias, full);
            }
        }
        Args a = new Args(b, heads, tq, tk, dm, d, q, k, v, bias, bs, out);
        long macs = 2L * b * heads * tq * tk * d;
        int pairs = b * heads;
        int threads = par == null ? 1 : par.threads();
        if (threads == 1 || macs < PARALLEL_MACS) {
            for (int t = 0; t < pairs; t++) task(a, t / heads, t % heads, 0, tq);
            return Tensor.of(out, b, tq, dm);
        }
        // few (row, head) pairs: also split the query rows (each block transposes its own k_h)
        int blocks = pairs >= 2 * threads ? 1 : Math.max(1, Math.min((tq + 4 * R - 1) / (4 * R), (2 * threads + pairs - 1) / pairs));
        int rowsPer = (tq + blocks - 1) / blocks;
        int blocksF = (tq + rowsPer - 1) / rowsPer;
        par.forEach(pairs * blocksF, t -> {
            int pair = t / blocksF, i0 = (t % blocksF) * rowsPer;
            task(a, pair / heads, pair % heads, i0, Math.min(tq, i0 + rowsPer));
        });
        return Tensor.of(out, b, tq, dm);
    }

    /** t as a heap F32 view whose last axis has unit stride (itself when it already is). */
    private static Tensor rows(Tensor t) {
        Tensor h = Elementwise.heap(t);
        return h.dim(2) <= 1 || h.stride(2) == 1 ? h : h.contiguous();
    }

    private record Args(int b, int heads, int tq, int tk, int dm, int d, Tensor q, Tensor k, Tensor v, Tensor bias, long[] bs, float[] out) {}

    /** Query rows [i0, i1) of head h of batch row bi. */
    private static void task(Args a, int bi, int h, int i0, int i1) {
        int d = a.d, tk = a.tk;
        float[] qa = a.q.array(), ka = a.k.array(), va = a.v.array();
        int qo = (int) (a.q.offset() + bi * a.q.stride(0)) + h * d, qs = (int) a.q.stride(1);
        int ko = (int) (a.k.offset() + bi * a.k.stride(0)) + h * d, ks = (int) a.k.stride(1);
        int vo = (int) (a.v.offset() + bi * a.v.stride(0)) + h * d, vs = (int) a.v.stride(1);
        int oo = bi * a.tq * a.dm + h * d;
        float[] ba = a.bias == null ? null : a.bias.array();
        int bo = a.bias == null ? 0 : (int) (a.bias.offset() + bi * a.bs[0] + h * a.bs[1]);
        int bsi = a.bias == null ? 0 : (int) a.bs[2], bsj = a.bias == null ? 0 : (int) a.bs[3];
        if (i1 - i0 < R) {
            float[] s = new float[tk];
            for (int i = i0; i < i1; i++) {
                scoresRow(qa, qo + i * qs, ka, ko, ks, tk, d, s);
                if (ba != null) addBias(s, 0, ba, bo + i * bsi, bsj, tk);
                RowOps.softmaxRow(s, 0, tk);
                int oi = oo + i * a.dm;
                for (int j = 0; j < tk; j++) BatchedMatmul.axpy(s[j], va, vo + j * vs, a.out, oi, d);
            }
            return;
        }
        int tkp = Gemm.roundUp(tk, W);
        float[] kt = new float[d * tkp];
        for (int j = 0; j < tk; j++) {
            for (int c = 0, src = ko + j * ks, dst = j; c < d; c++, dst += tkp) kt[dst] = ka[src + c];
        }
        float[] vb = va;
        int vbo = vo, vbs = vs, dp = d;
        if (d % W != 0) {
            dp = Gemm.roundUp(d, W);
            vb = new float[tk * dp];
            for (int j = 0; j < tk; j++) System.arraycopy(va, vo + j * vs, vb, j * dp, d);
            vbo = 0;
            vbs = dp;
        }
        float[] s = new float[R * tkp], o = new float[R * dp];
        for (int i = i0; i < i1; i += R) {
            int r = Math.min(R, i1 - i);
            // rows past i1 repeat the last one; their results are dropped
            int q0 = qo + i * qs, q1 = qo + (i + Math.min(1, r - 1)) * qs, q2 = qo + (i + Math.min(2, r - 1)) * qs, q3 = qo + (i + Math.min(3, r - 1)) * qs;
            scoresTile(qa, q0, q1, q2, q3, kt, tkp, d, s);
            for (int rr = 0; rr < r; rr++) {
                if (ba != null) addBias(s, rr * tkp, ba, bo + (i + rr) * bsi, bsj, tk);
                RowOps.softmaxRow(s, rr * tkp, tk);
            }
            outputTile(s, tkp, tk, vb, vbo, vbs, dp, o);
            for (int rr = 0; rr < r; rr++) System.arraycopy(o, rr * dp, a.out, oo + (i + rr) * a.dm, d);
        }
    }

    /** s[j] += bias[bo + j·bsj] for j < n (bsj 0 or 1). */
    private static void addBias(float[] s, int so, float[] bias, int bo, int bsj, int n) {
        int j = 0;
        if (bsj == 1) {
            for (int bound = F.loopBound(n); j < bound; j += L) {
                FloatVector.fromArray(F, s, so + j).add(FloatVector.fromArray(F, bias, bo + j)).intoArray(s, so + j);
            }
            for (; j < n; j++) s[so + j] += bias[bo + j];
        } else {
            float c = bias[bo];
            for (; j < n; j++) s[so + j] += c;
        }
    }

    /** s[j] = q[qo ..]·k[ko + j·ks ..] over d, four keys per pass. */
    private static void scoresRow(float[] q, int qo, float[] k, int ko, int ks, int tk, int d, float[] s) {
        int bound = F.loopBound(d);
        int j = 0;
        for (; j + 4 <= tk; j += 4) {
            int k0 = ko + j * ks, k1 = k0 + ks, k2 = k1 + ks, k3 = k2 + ks;
            FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
            int p = 0;
            for (; p < bound; p += L) {
                FloatVector x = FloatVector.fromArray(F, q, qo + p);
                a0 = FloatVector.fromArray(F, k, k0 + p).fma(x, a0);
                a1 = FloatVector.fromArray(F, k, k1 + p).fma(x, a1);
                a2 = FloatVector.fromArray(F, k, k2 + p).fma(x, a2);
                a3 = FloatVector.fromArray(F, k, k3 + p).fma(x, a3);
            }
            float r0 = a0.reduceLanes(VectorOperators.ADD), r1 = a1.reduceLanes(VectorOperators.ADD);
            float r2 = a2.reduceLanes(VectorOperators.ADD), r3 = a3.reduceLanes(VectorOperators.ADD);
            for (; p < d; p++) {
                float x = q[qo + p];
                r0 += x * k[k0 + p];
                r1 += x * k[k1 + p];
                r2 += x * k[k2 + p];
                r3 += x * k[k3 + p];
            }
            s[j] = r0;
            s[j + 1] = r1;
            s[j + 2] = r2;
            s[j + 3] = r3;
        }
        for (; j < tk; j++) {
            int kj = ko + j * ks;
            FloatVector a0 = FloatVector.zero(F);
            int p = 0;
            for (; p < bound; p += L) a0 = FloatVector.fromArray(F, k, kj + p).fma(FloatVector.fromArray(F, q, qo + p), a0);
            float r0 = a0.reduceLanes(VectorOperators.ADD);
            for (; p < d; p++) r0 += q[qo + p] * k[kj + p];
            s[j] = r0;
        }
    }

    /** s[r·tkp + j] = Σ_p q_r[p]·kt[p·tkp + j] for the four query rows q0..q3, all tkp (padded) columns. */
    private static void scoresTile(float[] q, int q0, int q1, int q2, int q3, float[] kt, int tkp, int d, float[] s) {
        for (int c = 0; c < tkp; c += W) {
            FloatVector c00 = FloatVector.zero(F), c01 = FloatVector.zero(F), c10 = FloatVector.zero(F), c11 = FloatVector.zero(F);
            FloatVector c20 = FloatVector.zero(F), c21 = FloatVector.zero(F), c30 = FloatVector.zero(F), c31 = FloatVector.zero(F);
            for (int p = 0, kb = c; p < d; p++, kb += tkp) {
                FloatVector b0 = FloatVector.fromArray(F, kt, kb), b1 = FloatVector.fromArray(F, kt, kb + L);
                FloatVector a0 = FloatVector.broadcast(F, q[q0 + p]);
                c00 = b0.fma(a0, c00);
                c01 = b1.fma(a0, c01);
                FloatVector a1 = FloatVector.broadcast(F, q[q1 + p]);
                c10 = b0.fma(a1, c10);
                c11 = b1.fma(a1, c11);
                FloatVector a2 = FloatVector.broadcast(F, q[q2 + p]);
                c20 = b0.fma(a2, c20);
                c21 = b1.fma(a2, c21);
                FloatVector a3 = FloatVector.broadcast(F, q[q3 + p]);
                c30 = b0.fma(a3, c30);
                c31 = b1.fma(a3, c31);
            }
            c00.intoArray(s, c);
            c01.intoArray(s, c + L);
            c10.intoArray(s, tkp + c);
            c11.intoArray(s, tkp + c + L);
            c20.intoArray(s, 2 * tkp + c);
            c21.intoArray(s, 2 * tkp + c + L);
            c30.intoArray(s, 3 * tkp + c);
            c31.intoArray(s, 3 * tkp + c + L);
        }
    }

    /** o[r·dp + c] = Σ_{j < tk} p[r·tkp + j]·v[vo + j·vs + c] for four rows, all dp (padded) columns. */
    private static void outputTile(float[] p, int tkp, int tk, float[] v, int vo, int vs, int dp, float[] o) {
        for (int c = 0; c < dp; c += W) {
            FloatVector c00 = FloatVector.zero(F), c01 = FloatVector.zero(F), c10 = FloatVector.zero(F), c11 = FloatVector.zero(F);
            FloatVector c20 = FloatVector.zero(F), c21 = FloatVector.zero(F), c30 = FloatVector.zero(F), c31 = FloatVector.zero(F);
            for (int j = 0, vb = vo + c; j < tk; j++, vb += vs) {
                FloatVector b0 = FloatVector.fromArray(F, v, vb), b1 = FloatVector.fromArray(F, v, vb + L);
                FloatVector a0 = FloatVector.broadcast(F, p[j]);
                c00 = b0.fma(a0, c00);
                c01 = b1.fma(a0, c01);
                FloatVector a1 = FloatVector.broadcast(F, p[tkp + j]);
                c10 = b0.fma(a1, c10);
                c11 = b1.fma(a1, c11);
                FloatVector a2 = FloatVector.broadcast(F, p[2 * tkp + j]);
                c20 = b0.fma(a2, c20);
                c21 = b1.fma(a2, c21);
                FloatVector a3 = FloatVector.broadcast(F, p[3 * tkp + j]);
                c30 = b0.fma(a3, c30);
                c31 = b1.fma(a3, c31);
            }
            c00.intoArray(o, c);
            c01.intoArray(o, c + L);
            c10.intoArray(o, dp + c);
            c11.intoArray(o, dp + c + L);
            c20.intoArray(o, 2 * dp + c);
            c21.intoArray(o, 2 * dp + c + L);
            c30.intoArray(o, 3 * dp + c);
            c31.intoArray(o, 3 * dp + c + L);
        }
    }
}
