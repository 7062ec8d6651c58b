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
 *   <li>Fewer than {@link #TILED_ROWS} query rows (incremental decoding, short targets): tasks over groups of
 *       heads; per query row, each key row gives the scores of all heads of the group (dot products, four heads
 *       at a time, reading the row's consecutive head segments in one run), one softmax per head, then each
 *       value row is added into every head's output with its weight (axpy).</li>
 *   <li>More (encoder, teacher forcing): k_h is transposed once per task into a [d, Tk] buffer padded
 *       to whole vector pairs, then register tiles of R query rows × 2 vectors compute the scores and,
 *       after the softmax, R rows × 2 vectors of the output (v_h rows read in place when d is a
 *       multiple of two vectors, else copied into a padded buffer; copying them always measured no faster).</li>
 * </ul>
 * Tiled tasks are (batch row, head) pairs (plus row blocks when there are fewer pairs than threads).
 */
public final class Attention {
    private Attention() {}

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int L = F.length();
    /** Width of a register tile's columns: two vectors. */
    static final int W = 2 * L;
    /** Query rows per register tile. */
    static final int R = 4;
    /**
     * Calls with fewer query rows take the dot/axpy path. Measured (2 threads, 16 heads, d = 64, 128 keys): 5
     * batch rows × 8 query rows took 0.37–0.62 ms tiled and 0.88–1.06 ms by dots, so only decoding steps
     * (1 query row per batch row, or a few) use the dots.
     */
    static final int TILED_ROWS = R;
    /** Below this many multiply-adds (scores plus output) one thread does it all. */
    static final long PARALLEL_MACS = 1L << 17;

    public static Tensor attention(Parallel par, Tensor q0, Tensor k0, Tensor v0, Tensor bias0, int heads) {
        Shapes.checkAttention(q0, k0, v0, heads);
        final int b = q0.dim(0), tq = q0.dim(1), tk = k0.dim(1), dm = q0.dim(2), d = dm / heads;
        float[] out = new float[b * tq * dm];
        if (out.length == 0 || tk == 0) return Tensor.of(out, b, tq, dm);
        // keys from transposedKeys (a decoding step's cross-attention): read as kᵀ in place
        boolean keysT = tq < TILED_ROWS && isTransposedKeys(k0);
        Tensor q = rows(q0), k = keysT ? k0 : rows(k0), v = rows(v0);
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
        int threads = par == null ? 1 : par.threads();
        boolean parallel = threads > 1 && macs >= PARALLEL_MACS;
        if (tq < TILED_ROWS) {
            // dot/axpy path, tasks over groups of heads: each key row (all heads side by side) is read as one run
            int groups = parallel ? Math.min(heads, Math.max(1, (2 * threads + b - 1) / b)) : 1;
            int perGroup = (heads + groups - 1) / groups, groupsF = (heads + perGroup - 1) / perGroup;
            Parallel.Body body = t -> {
                int bi = t / groupsF, h0 = (t % groupsF) * perGroup;
                if (keysT) transposedKeysTask(a, bi, h0, Math.min(heads, h0 + perGroup));
                else dotTask(a, bi, h0, Math.min(heads, h0 + perGroup));
            };
            if (parallel) par.forEach(b * groupsF, body);
            else for (int t = 0; t < b * groupsF; t++) body.run(t);
            return Tensor.of(out, b, tq, dm);
        }
        int pairs = b * heads;
        if (!parallel) {
            for (int t = 0; t < pairs; t++) tiledTask(a, t / heads, t % heads, 0, tq);
            return Tensor.of(out, b, tq, dm);
        }
        // few (row, head) pairs: also split the query rows (each block transposes its own k_h)
        int blocks = pairs >= 2 * threads ? 1 : Math.max(1, Math.min((tq + 4 * R - 1) / (4 * R), (2 * threads + pairs - 1) / pairs));
        int rowsPer = (tq + blocks - 1) / blocks;
        int blocksF = (tq + rowsPer - 1) / rowsPer;
        par.forEach(pairs * blocksF, t -> {
            int pair = t / blocksF, i0 = (t % blocksF) * rowsPer;
            tiledTask(a, pair / heads, pair % heads, i0, Math.min(tq, i0 + rowsPer));
        });
        return Tensor.of(out, b, tq, dm);
    }

    /**
     * k [B, Tk, H·d] stored transposed for decoding steps: kᵀ of each batch row, [B, H·d, Tk] contiguous, returned
     * as a [B, Tk, H·d] view of it (strides H·d·Tk, 1, Tk). Head h's keys are then d consecutive rows of Tk floats,
     * which {@link #attention} multiplies by a query row with broadcasts and FMAs (no reduction per key) and
     * streams once per head. Worth it when the keys serve many calls (cross-attention over the encoder output).
     */
    public static Tensor transposedKeys(Parallel par, Tensor k0) {
        if (k0.rank() != 3) throw new IllegalArgumentException("attention keys must be [B, Tk, H·d], got " + Arrays.toString(k0.shape()));
        int b = k0.dim(0), tk = k0.dim(1), dm = k0.dim(2);
        if (tk <= 1 || isTransposedKeys(k0)) return k0;
        Tensor k = rows(k0);
        float[] ka = k.array(), out = new float[b * dm * tk];
        int ko = (int) k.offset(), kb = (int) k.stride(0), ks = (int) k.stride(1);
        final int blk = 16; // blk × blk blocks: reads and writes both stay within a few cache lines
        int colBlocks = (dm + blk - 1) / blk;
        Parallel.RangeBody body = (from, to) -> {
            for (int t = from; t < to; t++) {
                int bi = t / colBlocks, c0 = (t % colBlocks) * blk, c1 = Math.min(dm, c0 + blk);
                for (int j0 = 0; j0 < tk; j0 += blk) {
                    int j1 = Math.min(tk, j0 + blk);
                    for (int c = c0; c < c1; c++) {
                        int dst = (bi * dm + c) * tk, src = ko + bi * kb + c;
                        for (int j = j0; j < j1; j++) out[dst + j] = ka[src + j * ks];
                    }
                }
            }
        };
        if (par == null) body.run(0, b * colBlocks);
        else par.range(b * colBlocks, 8, body);
        return Tensor.of(out, b, dm, tk).transpose(1, 2);
    }

    /** k [B, Tk, H·d] laid out as {@link #transposedKeys} makes it: heap F32, unit stride along Tk (Tk > 1). */
    private static boolean isTransposedKeys(Tensor k) {
        return k.dim(1) > 1 && k.isHeapF32() && k.stride(1) == 1 && k.stride(2) >= k.dim(1);
    }

    /**
     * All query rows of heads [h0, h1) of batch row bi with transposed keys ({@link #transposedKeys}): per head, the
     * Tk scores accumulate in vector registers over the d rows of kᵀ_h (a broadcast query element times a run of
     * keys), then bias, softmax, and the output row accumulates in registers over the Tk value rows.
     */
    private static void transposedKeysTask(Args a, int bi, int h0, int h1) {
        int d = a.d, tk = a.tk;
        float[] qa = a.q.array(), ka = a.k.array(), va = a.v.array();
        int qo = (int) (a.q.offset() + bi * a.q.stride(0)), qs = (int) a.q.stride(1);
        int ko = (int) (a.k.offset() + bi * a.k.stride(0)), kc = (int) a.k.stride(2);
        int vo = (int) (a.v.offset() + bi * a.v.stride(0)), vs = (int) a.v.stride(1);
        float[] ba = a.bias == null ? null : a.bias.array();
        int bsi = a.bias == null ? 0 : (int) a.bs[2], bsj = a.bias == null ? 0 : (int) a.bs[3];
        float[] s = new float[tk];
        for (int i = 0; i < a.tq; i++) {
            for (int h = h0; h < h1; h++) {
                scoresT(qa, qo + i * qs + h * d, ka, ko + h * d * kc, kc, d, tk, s);
                if (ba != null) addBias(s, 0, ba, (int) (a.bias.offset() + bi * a.bs[0] + h * a.bs[1]) + i * bsi, bsj, tk);
                RowOps.softmaxRow(s, 0, tk);
                weightedRows(s, tk, va, vo + h * d, vs, d, a.out, bi * a.tq * a.dm + i * a.dm + h * d);
            }
        }
    }

    /** s[j] = Σ_{p < d} q[qo + p]·k[ko + p·kc + j] for j < tk (k read as d rows of kᵀ, kc apart). */
    private static void scoresT(float[] q, int qo, float[] k, int ko, int kc, int d, int tk, float[] s) {
        int j = 0;
        for (; j + 4 * L <= tk; j += 4 * L) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            for (int p = 0, kp = ko + j; p < d; p++, kp += kc) {
                FloatVector x = FloatVector.broadcast(F, q[qo + p]);
                a0 = FloatVector.fromArray(F, k, kp).fma(x, a0);
                a1 = FloatVector.fromArray(F, k, kp + L).fma(x, a1);
                a2 = FloatVector.fromArray(F, k, kp + 2 * L).fma(x, a2);
                a3 = FloatVector.fromArray(F, k, kp + 3 * L).fma(x, a3);
            }
            a0.intoArray(s, j);
            a1.intoArray(s, j + L);
            a2.intoArray(s, j + 2 * L);
            a3.intoArray(s, j + 3 * L);
        }
        for (; j + L <= tk; j += L) {
            FloatVector a0 = FloatVector.zero(F);
            for (int p = 0, kp = ko + j; p < d; p++, kp += kc) a0 = FloatVector.fromArray(F, k, kp).fma(FloatVector.broadcast(F, q[qo + p]), a0);
            a0.intoArray(s, j);
        }
        for (; j < tk; j++) {
            float r = 0;
            for (int p = 0, kp = ko + j; p < d; p++, kp += kc) r += q[qo + p] * k[kp];
            s[j] = r;
        }
    }

    /** out[oo + c] = Σ_{j < tk} w[j]·v[vo + j·vs + c] for c < d. */
    private static void weightedRows(float[] w, int tk, float[] v, int vo, int vs, int d, float[] out, int oo) {
        int c = 0;
        for (; c + 4 * L <= d; c += 4 * L) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            for (int j = 0, vj = vo + c; j < tk; j++, vj += vs) {
                FloatVector x = FloatVector.broadcast(F, w[j]);
                a0 = FloatVector.fromArray(F, v, vj).fma(x, a0);
                a1 = FloatVector.fromArray(F, v, vj + L).fma(x, a1);
                a2 = FloatVector.fromArray(F, v, vj + 2 * L).fma(x, a2);
                a3 = FloatVector.fromArray(F, v, vj + 3 * L).fma(x, a3);
            }
            a0.intoArray(out, oo + c);
            a1.intoArray(out, oo + c + L);
            a2.intoArray(out, oo + c + 2 * L);
            a3.intoArray(out, oo + c + 3 * L);
        }
        for (; c + L <= d; c += L) {
            FloatVector a0 = FloatVector.zero(F);
            for (int j = 0, vj = vo + c; j < tk; j++, vj += vs) a0 = FloatVector.fromArray(F, v, vj).fma(FloatVector.broadcast(F, w[j]), a0);
            a0.intoArray(out, oo + c);
        }
        for (; c < d; c++) {
            float r = 0;
            for (int j = 0, vj = vo + c; j < tk; j++, vj += vs) r += w[j] * v[vj];
            out[oo + c] = r;
        }
    }

    /** t as a heap F32 view whose last axis has unit stride (itself when it already is). */
    private static Tensor rows(Tensor t) {
        Tensor h = Elementwise.heap(t);
        return h.dim(2) <= 1 || h.stride(2) == 1 ? h : h.contiguous();
    }

    private record Args(int b, int heads, int tq, int tk, int dm, int d, Tensor q, Tensor k, Tensor v, Tensor bias, long[] bs, float[] out) {}

    /**
     * All query rows of heads [h0, h1) of batch row bi by dot products and axpys: per query row, key row j
     * gives the scores of every head of the group (consecutive columns), then one softmax per head, then value
     * row j is added into every head's output with its weight.
     */
    private static void dotTask(Args a, int bi, int h0, int h1) {
        int d = a.d, tk = a.tk;
        float[] qa = a.q.array(), ka = a.k.array(), va = a.v.array();
        int qo = (int) (a.q.offset() + bi * a.q.stride(0)), qs = (int) a.q.stride(1);
        int ko = (int) (a.k.offset() + bi * a.k.stride(0)), ks = (int) a.k.stride(1);
        int vo = (int) (a.v.offset() + bi * a.v.stride(0)), vs = (int) a.v.stride(1);
        float[] ba = a.bias == null ? null : a.bias.array();
        int bsi = a.bias == null ? 0 : (int) a.bs[2], bsj = a.bias == null ? 0 : (int) a.bs[3];
        int g = h1 - h0;
        float[] s = new float[g * tk];
        for (int i = 0; i < a.tq; i++) {
            int qi = qo + i * qs + h0 * d;
            for (int j = 0, kj = ko + h0 * d; j < tk; j++, kj += ks) scoresHeads(qa, qi, ka, kj, g, d, s, j, tk);
            for (int hh = 0; hh < g; hh++) {
                if (ba != null) addBias(s, hh * tk, ba, (int) (a.bias.offset() + bi * a.bs[0] + (h0 + hh) * a.bs[1]) + i * bsi, bsj, tk);
                RowOps.softmaxRow(s, hh * tk, tk);
            }
            int oi = bi * a.tq * a.dm + i * a.dm + h0 * d;
            for (int j = 0, vj = vo + h0 * d; j < tk; j++, vj += vs) {
                for (int hh = 0; hh < g; hh++) BatchedMatmul.axpy(s[hh * tk + j], va, vj + hh * d, a.out, oi + hh * d, d);
            }
        }
    }

    /** Query rows [i0, i1) of head h of batch row bi, in register tiles (see the class comment). */
    private static void tiledTask(Args a, int bi, int h, int i0, int i1) {
        int d = a.d, tk = a.tk;
        float[] qa = a.q.array(), ka = a.k.array(), va = a.v.array();
        int qo = (int) (a.q.offset() + bi * a.q.stride(0)) + h * d, qs = (int) a.q.stride(1);
        int ko = (int) (a.k.offset() + bi * a.k.stride(0)) + h * d, ks = (int) a.k.stride(1);
        int vo = (int) (a.v.offset() + bi * a.v.stride(0)) + h * d, vs = (int) a.v.stride(1);
        int oo = bi * a.tq * a.dm + h * d;
        float[] ba = a.bias == null ? null : a.bias.array();
        int bo = a.bias == null ? 0 : (int) (a.bias.offset() + bi * a.bs[0] + h * a.bs[1]);
        int bsi = a.bias == null ? 0 : (int) a.bs[2], bsj = a.bias == null ? 0 : (int) a.bs[3];
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
            tile4(qa, q0, q1, q2, q3, d, kt, 0, tkp, s, tkp, tkp);
            for (int rr = 0; rr < r; rr++) {
                if (ba != null) addBias(s, rr * tkp, ba, bo + (i + rr) * bsi, bsj, tk);
                RowOps.softmaxRow(s, rr * tkp, tk);
            }
            tile4(s, 0, tkp, 2 * tkp, 3 * tkp, tk, vb, vbo, vbs, o, dp, dp);
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

    /**
     * s[hh·tk + j] = q[qo + hh·d ..]·k[ko + hh·d ..] over d for the g heads hh of a group (consecutive d-wide
     * segments of one query row and one key row), four heads per pass.
     */
    private static void scoresHeads(float[] q, int qo, float[] k, int ko, int g, int d, float[] s, int j, int tk) {
        int bound = F.loopBound(d);
        int hh = 0;
        for (; hh + 4 <= g; hh += 4) {
            int x0 = qo + hh * d, x1 = x0 + d, x2 = x1 + d, x3 = x2 + d;
            int k0 = ko + hh * d, k1 = k0 + d, k2 = k1 + d, k3 = k2 + d;
            FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
            int p = 0;
            for (; p < bound; p += L) {
                a0 = FloatVector.fromArray(F, k, k0 + p).fma(FloatVector.fromArray(F, q, x0 + p), a0);
                a1 = FloatVector.fromArray(F, k, k1 + p).fma(FloatVector.fromArray(F, q, x1 + p), a1);
                a2 = FloatVector.fromArray(F, k, k2 + p).fma(FloatVector.fromArray(F, q, x2 + p), a2);
                a3 = FloatVector.fromArray(F, k, k3 + p).fma(FloatVector.fromArray(F, q, x3 + p), a3);
            }
            float r0 = a0.reduceLanes(VectorOperators.ADD), r1 = a1.reduceLanes(VectorOperators.ADD);
            float r2 = a2.reduceLanes(VectorOperators.ADD), r3 = a3.reduceLanes(VectorOperators.ADD);
            for (; p < d; p++) {
                r0 += q[x0 + p] * k[k0 + p];
                r1 += q[x1 + p] * k[k1 + p];
                r2 += q[x2 + p] * k[k2 + p];
                r3 += q[x3 + p] * k[k3 + p];
            }
            s[hh * tk + j] = r0;
            s[(hh + 1) * tk + j] = r1;
            s[(hh + 2) * tk + j] = r2;
            s[(hh + 3) * tk + j] = r3;
        }
        for (; hh < g; hh++) {
            int x0 = qo + hh * d, k0 = ko + hh * d;
            FloatVector a0 = FloatVector.zero(F);
            int p = 0;
            for (; p < bound; p += L) a0 = FloatVector.fromArray(F, k, k0 + p).fma(FloatVector.fromArray(F, q, x0 + p), a0);
            float r0 = a0.reduceLanes(VectorOperators.ADD);
            for (; p < d; p++) r0 += q[x0 + p] * k[k0 + p];
            s[hh * tk + j] = r0;
        }
    }

    /**
     * The 4 × 2W register tile of both attention products: for the four rows r whose A elements start at
     * a0..a3 (unit step), c[r·ldc + col] = Σ_{t < steps} a[a_r + t]·b[bo + t·bs + col] for every column
     * col < cols (a multiple of W; b and c padded to it). Scores: a = q rows, b = kᵀ (bs = tkp); output:
     * a = probability rows, b = v rows (bs = v's row stride).
     */
    private static void tile4(float[] a, int a0, int a1, int a2, int a3, int steps, float[] b, int bo, int bs,
                              float[] c, int ldc, int cols) {
        for (int col = 0; col < cols; col += W) {
            FloatVector c00 = FloatVector.zero(F), c01 = FloatVector.zero(F), c10 = FloatVector.zero(F), c11 = FloatVector.zero(F);
            FloatVector c20 = FloatVector.zero(F), c21 = FloatVector.zero(F), c30 = FloatVector.zero(F), c31 = FloatVector.zero(F);
            for (int t = 0, bb = bo + col; t < steps; t++, bb += bs) {
                FloatVector b0 = FloatVector.fromArray(F, b, bb), b1 = FloatVector.fromArray(F, b, bb + L);
                FloatVector x0 = FloatVector.broadcast(F, a[a0 + t]);
                c00 = b0.fma(x0, c00);
                c01 = b1.fma(x0, c01);
                FloatVector x1 = FloatVector.broadcast(F, a[a1 + t]);
                c10 = b0.fma(x1, c10);
                c11 = b1.fma(x1, c11);
                FloatVector x2 = FloatVector.broadcast(F, a[a2 + t]);
                c20 = b0.fma(x2, c20);
                c21 = b1.fma(x2, c21);
                FloatVector x3 = FloatVector.broadcast(F, a[a3 + t]);
                c30 = b0.fma(x3, c30);
                c31 = b1.fma(x3, c31);
            }
            c00.intoArray(c, col);
            c01.intoArray(c, col + L);
            c10.intoArray(c, ldc + col);
            c11.intoArray(c, ldc + col + L);
            c20.intoArray(c, 2 * ldc + col);
            c21.intoArray(c, 2 * ldc + col + L);
            c30.intoArray(c, 3 * ldc + col);
            c31.intoArray(c, 3 * ldc + col + L);
        }
    }
}
