package io.lora4j.engine.cpu;

import io.lora4j.engine.DType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * y = x·Wᵀ (+ bias) for a few rows of x (batch-1 and small-batch decoding): memory bound, so W is
 * streamed exactly once, four rows at a time, and every row of x is applied to those four rows
 * while they are in L1. F32 heap weights are read in place; BF16 weights are read in place from
 * their segment and widened in registers ({@link #rowsBf16}); F16 and F32-segment rows are
 * converted into a small per-task buffer (4·K floats, L1-resident) as they stream by.
 */
public final class Gemv {
    private Gemv() {}

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int L = F.length();
    static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfShort BF16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);
    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);
    /**
     * Below this many multiply-adds (1×256×1024) one thread does it: waking a helper costs tens of µs
     * (milliseconds on busy cores). Measured on idle cores (2 threads, FLAN-T5-large greedy decoding,
     * `bench t5`): 23.0 tokens/s with 2^18 against 17.5 with 2^21, where the 1024×1024 projections ran on
     * one thread; under heavy load the lower threshold can cost more than it saves.
     */
    static final long PARALLEL_MACS = 1L << 18;

    /**
     * out[i·n + j] = bias[j] + Σ_p x[i·k + p]·W[j, p] for i < m, j < n; x contiguous [m, k].
     * bias may be null.
     */
    public static void run(Parallel par, int m, float[] x, MatrixRows w, float[] bias, float[] out) {
        runMany(par, m, x, new MatrixRows[] {w}, new float[][] {bias}, new float[][] {out});
    }

    /**
     * {@link #run} for several weights that read the same x (all with k columns): one parallel job over the
     * rows of all of them, so the workers are handed work once and W streams without a barrier between the
     * matrices. biases may be null or hold nulls.
     */
    public static void runMany(Parallel par, int m, float[] x, MatrixRows[] ws, float[][] biases, float[][] outs) {
        int k = ws[0].cols();
        Parallel.RangeBody[] bodies = new Parallel.RangeBody[ws.length];
        int[] start = new int[ws.length + 1];
        float[] xs = null;
        for (int i = 0; i < ws.length; i++) {
            MatrixRows w = ws[i];
            if (w.cols() != k) throw new IllegalArgumentException("Gemv.runMany: weights with " + k + " and " + w.cols() + " columns");
            float[] bias = biases == null ? null : biases[i], out = outs[i];
            if (w.dtype() == DType.BF16 && w.heapArray() == null) {
                if (xs == null) xs = splitEvenOdd(m, x, k); // once per call, shared by all tasks and weights
                float[] xsf = xs;
                bodies[i] = (from, to) -> rowsBf16(m, x, xsf, w, bias, out, from, to);
            } else if (w.dtype() == DType.F32 && w.heapArray() == null) {
                bodies[i] = (from, to) -> rowsF32Segment(m, x, w, bias, out, from, to);
            } else {
                bodies[i] = (from, to) -> rows(m, x, w, bias, out, from, to);
            }
            start[i + 1] = start[i] + w.rows();
        }
        int n = start[ws.length];
        Parallel.RangeBody body = ws.length == 1 ? bodies[0] : (from, to) -> {
            for (int i = 0; i < bodies.length; i++) {
                int a = Math.max(from, start[i]), b = Math.min(to, start[i + 1]);
                if (a < b) bodies[i].run(a - start[i], b - start[i]);
            }
        };
        if (par == null || (long) m * n * k < PARALLEL_MACS) {
            body.run(0, n);
            return;
        }
        // guided chunks (each 1/(2·threads) of the rows left, whole 4-row groups): the threads finish together
        par.guided(n, MIN_CHUNK, 4, body);
    }

    /** Smallest share of rows a thread grabs: 16 rows of 1024 BF16 columns are 32 KB, about 1 µs of streaming. */
    static final int MIN_CHUNK = 16;

    /** Per row i of x: its k/2 even elements, then its k/2 odd ones, at xs[i·2h ..] (h = k/2). */
    static float[] splitEvenOdd(int m, float[] x, int k) {
        int h = k / 2;
        float[] xs = new float[m * 2 * h];
        for (int i = 0; i < m; i++) {
            for (int q = 0, s = i * k, d = i * 2 * h; q < h; q++, s += 2, d++) {
                xs[d] = x[s];
                xs[d + h] = x[s + 1];
            }
        }
        return xs;
    }

    private static void rows(int m, float[] x, MatrixRows w, float[] bias, float[] out, int from, int to) {
        int n = w.rows(), k = w.cols();
        float[] wa = w.heapArray();
        float[] buf = wa == null ? new float[4 * k] : null;
        float[] src = wa == null ? buf : wa;
        int j = from;
        for (; j + 4 <= to; j += 4) {
            int o0, o1, o2, o3;
            if (wa != null) {
                o0 = (int) w.rowOffset(j);
                o1 = (int) w.rowOffset(j + 1);
                o2 = (int) w.rowOffset(j + 2);
                o3 = (int) w.rowOffset(j + 3);
            } else {
                for (int r = 0; r < 4; r++) w.rowToFloat(j + r, 0, k, buf, r * k);
                o0 = 0;
                o1 = k;
                o2 = 2 * k;
                o3 = 3 * k;
            }
            for (int i = 0; i < m; i++) dot4(x, i * k, src, o0, o1, o2, o3, k, out, i * n + j, bias, j);
        }
        for (; j < to; j++) {
            int o;
            if (wa != null) {
                o = (int) w.rowOffset(j);
            } else {
                w.rowToFloat(j, 0, k, buf, 0);
                o = 0;
            }
            for (int i = 0; i < m; i++) {
                float s = dot(x, i * k, src, o, k);
                out[i * n + j] = bias == null ? s : s + bias[j];
            }
        }
    }

    /**
     * F32 weights in a segment (a mapped F32 checkpoint) read in place, with the loop on a long byte
     * address like {@link #dot4Bf16}. Copying 4 rows into a heap buffer first (the generic path)
     * streamed W from DRAM at 0.6× the rows/s (single thread, 32128×1024: 8.5–9.4 ms against 4.9–5.5).
     */
    private static void rowsF32Segment(int m, float[] x, MatrixRows w, float[] bias, float[] out, int from, int to) {
        int n = w.rows(), k = w.cols();
        MemorySegment seg = w.segment();
        long rb = 4 * w.rowStride();
        int j = from;
        for (; j + 4 <= to; j += 4) {
            long b0 = 4 * w.rowOffset(j);
            for (int i = 0; i < m; i++) dot4F32Segment(x, i * k, seg, b0, rb, k, out, i * n + j, bias, j);
        }
        scalarRows(m, x, w, bias, out, j, to);
    }

    private static void dot4F32Segment(float[] x, int xo, MemorySegment seg, long b0, long rb, int k,
                                       float[] out, int oo, float[] bias, int bj) {
        FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
        int p = 0;
        for (long a = b0, end = b0 + 4L * (k - L); a <= end; a += 4L * L, p += L) {
            FloatVector xv = FloatVector.fromArray(F, x, xo + p);
            s0 = FloatVector.fromMemorySegment(F, seg, a, LE).fma(xv, s0);
            s1 = FloatVector.fromMemorySegment(F, seg, a + rb, LE).fma(xv, s1);
            s2 = FloatVector.fromMemorySegment(F, seg, a + 2 * rb, LE).fma(xv, s2);
            s3 = FloatVector.fromMemorySegment(F, seg, a + 3 * rb, LE).fma(xv, s3);
        }
        float r0 = s0.reduceLanes(VectorOperators.ADD), r1 = s1.reduceLanes(VectorOperators.ADD);
        float r2 = s2.reduceLanes(VectorOperators.ADD), r3 = s3.reduceLanes(VectorOperators.ADD);
        for (; p < k; p++) {
            float xv = x[xo + p];
            long a = b0 + 4L * p;
            r0 += xv * seg.get(F32_LE, a);
            r1 += xv * seg.get(F32_LE, a + rb);
            r2 += xv * seg.get(F32_LE, a + 2 * rb);
            r3 += xv * seg.get(F32_LE, a + 3 * rb);
        }
        store4(out, oo, bias, bj, r0, r1, r2, r3);
    }

    /**
     * BF16 weights straight from their segment, widened in registers: one 32-bit lane holds two
     * little-endian bf16 values, so {@code lane << 16} is the even element as F32 and
     * {@code lane & 0xFFFF0000} the odd one, matched by x split into even and odd halves
     * ({@link #splitEvenOdd}, xs).
     */
    private static void rowsBf16(int m, float[] x, float[] xs, MatrixRows w, float[] bias, float[] out, int from, int to) {
        int n = w.rows(), k = w.cols(), h = k / 2;
        MemorySegment seg = w.segment();
        long rb = 2 * w.rowStride();
        int j = from;
        for (; j + 4 <= to; j += 4) {
            long b0 = 2 * w.rowOffset(j);
            for (int i = 0; i < m; i++) dot4Bf16(x, i * k, xs, i * 2 * h, h, seg, b0, rb, k, out, i * n + j, bias, j);
        }
        scalarRows(m, x, w, bias, out, j, to);
    }

    /** The last rows [from, to) (fewer than 4) of the segment paths, element by element. */
    private static void scalarRows(int m, float[] x, MatrixRows w, float[] bias, float[] out, int from, int to) {
        int n = w.rows(), k = w.cols();
        for (int j = from; j < to; j++) {
            for (int i = 0; i < m; i++) {
                float sum = 0;
                for (int p = 0; p < k; p++) sum += x[i * k + p] * w.get(j, p);
                out[i * n + j] = bias == null ? sum : sum + bias[j];
            }
        }
    }

    /**
     * Rows at byte offsets b0, b0+rb, b0+2rb, b0+3rb of seg dotted with x[xo .. xo+k). Even and odd
     * products go to separate accumulators (8 independent FMA chains), and the loop runs on a long
     * byte address: with an int counter and long offsets C2 kept per-load address work in the loop,
     * and the LM-head shape (W from DRAM) streamed at half the rows/s (measured single thread,
     * 32128×1024: 2.6–3.1 ms against 4.2–5.6 ms).
     */
    private static void dot4Bf16(float[] x, int xo, float[] xs, int eo, int h, MemorySegment seg,
                                 long b0, long rb, int k, float[] out, int oo, float[] bias, int bj) {
        FloatVector e0 = FloatVector.zero(F), e1 = e0, e2 = e0, e3 = e0, o0 = e0, o1 = e0, o2 = e0, o3 = e0;
        int q = 0;
        for (long a = b0, end = b0 + 2L * (k - 2 * L); a <= end; a += 4L * L, q += L) {
            FloatVector ev = FloatVector.fromArray(F, xs, eo + q), od = FloatVector.fromArray(F, xs, eo + h + q);
            IntVector w;
            w = IntVector.fromMemorySegment(I, seg, a, LE);
            e0 = even(w).fma(ev, e0);
            o0 = odd(w).fma(od, o0);
            w = IntVector.fromMemorySegment(I, seg, a + rb, LE);
            e1 = even(w).fma(ev, e1);
            o1 = odd(w).fma(od, o1);
            w = IntVector.fromMemorySegment(I, seg, a + 2 * rb, LE);
            e2 = even(w).fma(ev, e2);
            o2 = odd(w).fma(od, o2);
            w = IntVector.fromMemorySegment(I, seg, a + 3 * rb, LE);
            e3 = even(w).fma(ev, e3);
            o3 = odd(w).fma(od, o3);
        }
        float r0 = e0.add(o0).reduceLanes(VectorOperators.ADD), r1 = e1.add(o1).reduceLanes(VectorOperators.ADD);
        float r2 = e2.add(o2).reduceLanes(VectorOperators.ADD), r3 = e3.add(o3).reduceLanes(VectorOperators.ADD);
        for (int p = 2 * q; p < k; p++) {
            float xv = x[xo + p];
            long a = b0 + 2L * p;
            r0 += xv * bf16(seg, a);
            r1 += xv * bf16(seg, a + rb);
            r2 += xv * bf16(seg, a + 2 * rb);
            r3 += xv * bf16(seg, a + 3 * rb);
        }
        store4(out, oo, bias, bj, r0, r1, r2, r3);
    }

    private static FloatVector even(IntVector pair) {
        return pair.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    private static FloatVector odd(IntVector pair) {
        return pair.and(0xFFFF0000).reinterpretAsFloats();
    }

    private static float bf16(MemorySegment seg, long byteOffset) {
        return Float.intBitsToFloat((seg.get(BF16_LE, byteOffset) & 0xffff) << 16);
    }

    /** Four dot products of x[xo ..] with w[o0 ..], …, w[o3 ..], written to out[oo .. oo+3] plus bias[bj ..]. */
    private static void dot4(float[] x, int xo, float[] w, int o0, int o1, int o2, int o3, int k,
                             float[] out, int oo, float[] bias, int bj) {
        FloatVector s0 = FloatVector.zero(F), s1 = FloatVector.zero(F), s2 = FloatVector.zero(F), s3 = FloatVector.zero(F);
        int p = 0;
        for (int bound = F.loopBound(k); p < bound; p += L) {
            FloatVector xv = FloatVector.fromArray(F, x, xo + p);
            s0 = FloatVector.fromArray(F, w, o0 + p).fma(xv, s0);
            s1 = FloatVector.fromArray(F, w, o1 + p).fma(xv, s1);
            s2 = FloatVector.fromArray(F, w, o2 + p).fma(xv, s2);
            s3 = FloatVector.fromArray(F, w, o3 + p).fma(xv, s3);
        }
        float r0 = s0.reduceLanes(VectorOperators.ADD), r1 = s1.reduceLanes(VectorOperators.ADD);
        float r2 = s2.reduceLanes(VectorOperators.ADD), r3 = s3.reduceLanes(VectorOperators.ADD);
        for (; p < k; p++) {
            float xv = x[xo + p];
            r0 += xv * w[o0 + p];
            r1 += xv * w[o1 + p];
            r2 += xv * w[o2 + p];
            r3 += xv * w[o3 + p];
        }
        store4(out, oo, bias, bj, r0, r1, r2, r3);
    }

    /** out[oo .. oo+3] = r0..r3 plus bias[bj .. bj+3] (bias may be null). */
    private static void store4(float[] out, int oo, float[] bias, int bj, float r0, float r1, float r2, float r3) {
        if (bias != null) {
            r0 += bias[bj];
            r1 += bias[bj + 1];
            r2 += bias[bj + 2];
            r3 += bias[bj + 3];
        }
        out[oo] = r0;
        out[oo + 1] = r1;
        out[oo + 2] = r2;
        out[oo + 3] = r3;
    }

    /** Σ a[ao + p]·b[bo + p] for p < k. */
    static float dot(float[] a, int ao, float[] b, int bo, int k) {
        FloatVector s = FloatVector.zero(F);
        int p = 0;
        for (int bound = F.loopBound(k); p < bound; p += L) {
            s = FloatVector.fromArray(F, a, ao + p).fma(FloatVector.fromArray(F, b, bo + p), s);
        }
        float r = s.reduceLanes(VectorOperators.ADD);
        for (; p < k; p++) r += a[ao + p] * b[bo + p];
        return r;
    }
}
