package io.lora4j.engine.cpu;

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
    /** Rows of W per task at least (a task must amortize its hand-off). */
    static final int GRAIN = 64;
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
        int n = w.rows(), k = w.cols();
        int grain = Math.max(GRAIN / 4 * 4, (int) Math.min(n, (1L << 16) / Math.max(1, (long) k * m)) / 4 * 4);
        Parallel.RangeBody body = (from, to) -> rows(m, x, w, bias, out, from, to);
        if (par == null || (long) m * n * k < PARALLEL_MACS) body.run(0, n);
        else par.range(n, Math.max(4, grain), body);
    }

    private static void rows(int m, float[] x, MatrixRows w, float[] bias, float[] out, int from, int to) {
        int n = w.rows(), k = w.cols();
        if (w.dtype() == io.lora4j.engine.DType.BF16 && w.heapArray() == null) {
            rowsBf16(m, x, w, bias, out, from, to);
            return;
        }
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
     * BF16 weights straight from their segment, widened in registers: one 32-bit lane holds two
     * little-endian bf16 values, so {@code lane << 16} is the even element as F32 and
     * {@code lane & 0xFFFF0000} the odd one. x is split once into its even and odd elements to match.
     */
    private static void rowsBf16(int m, float[] x, MatrixRows w, float[] bias, float[] out, int from, int to) {
        int n = w.rows(), k = w.cols(), h = k / 2;
        float[] xe = new float[m * h], xod = new float[m * h];
        for (int i = 0; i < m; i++) {
            for (int q = 0; q < h; q++) {
                xe[i * h + q] = x[i * k + 2 * q];
                xod[i * h + q] = x[i * k + 2 * q + 1];
            }
        }
        MemorySegment seg = w.segment();
        int j = from;
        for (; j + 4 <= to; j += 4) {
            long b0 = 2 * w.rowOffset(j), b1 = 2 * w.rowOffset(j + 1), b2 = 2 * w.rowOffset(j + 2), b3 = 2 * w.rowOffset(j + 3);
            for (int i = 0; i < m; i++) dot4Bf16(x, i * k, xe, xod, i * h, seg, b0, b1, b2, b3, k, out, i * n + j, bias, j);
        }
        for (; j < to; j++) {
            for (int i = 0; i < m; i++) {
                float sum = 0;
                for (int p = 0; p < k; p++) sum += x[i * k + p] * w.get(j, p);
                out[i * n + j] = bias == null ? sum : sum + bias[j];
            }
        }
    }

    private static void dot4Bf16(float[] x, int xo, float[] xe, float[] xod, int ho, MemorySegment seg,
                                 long b0, long b1, long b2, long b3, int k, float[] out, int oo, float[] bias, int bj) {
        FloatVector s0 = FloatVector.zero(F), s1 = FloatVector.zero(F), s2 = FloatVector.zero(F), s3 = FloatVector.zero(F);
        int p = 0;
        for (; p + 2 * L <= k; p += 2 * L) {
            FloatVector ev = FloatVector.fromArray(F, xe, ho + p / 2), od = FloatVector.fromArray(F, xod, ho + p / 2);
            IntVector w0 = IntVector.fromMemorySegment(I, seg, b0 + 2L * p, LE);
            IntVector w1 = IntVector.fromMemorySegment(I, seg, b1 + 2L * p, LE);
            IntVector w2 = IntVector.fromMemorySegment(I, seg, b2 + 2L * p, LE);
            IntVector w3 = IntVector.fromMemorySegment(I, seg, b3 + 2L * p, LE);
            s0 = even(w0).fma(ev, odd(w0).fma(od, s0));
            s1 = even(w1).fma(ev, odd(w1).fma(od, s1));
            s2 = even(w2).fma(ev, odd(w2).fma(od, s2));
            s3 = even(w3).fma(ev, odd(w3).fma(od, s3));
        }
        float r0 = s0.reduceLanes(VectorOperators.ADD), r1 = s1.reduceLanes(VectorOperators.ADD);
        float r2 = s2.reduceLanes(VectorOperators.ADD), r3 = s3.reduceLanes(VectorOperators.ADD);
        for (; p < k; p++) {
            float xv = x[xo + p];
            r0 += xv * bf16(seg, b0 + 2L * p);
            r1 += xv * bf16(seg, b1 + 2L * p);
            r2 += xv * bf16(seg, b2 + 2L * p);
            r3 += xv * bf16(seg, b3 + 2L * p);
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
