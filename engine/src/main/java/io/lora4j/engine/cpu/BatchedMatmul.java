package io.lora4j.engine.cpu;

import io.lora4j.engine.Shapes;
import io.lora4j.engine.Tensor;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * a [.., M, K] · b [.., K, N] with broadcast batch dims, for attention (Q·Kᵀ with a transposed view
 * of K, P·V). Operands are read through their strides (no transposed copies): packing absorbs any
 * layout. Batches run in parallel when there are enough of them; else each product is split.
 * Rows M ≤ 2 (decoder steps) skip packing: dot products when b's K axis is unit-stride, row axpys
 * when its N axis is.
 */
public final class BatchedMatmul {
    private BatchedMatmul() {}

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int L = F.length();

    public static Tensor matmul(Parallel par, Tensor a, Tensor b) {
        if (a.rank() < 2 || b.rank() < 2) throw new IllegalArgumentException("matmul needs rank ≥ 2 operands");
        int m = a.dim(-2), k = a.dim(-1), n = b.dim(-1);
        if (b.dim(-2) != k) throw new IllegalArgumentException("matmul: " + Arrays.toString(a.shape()) + " · " + Arrays.toString(b.shape()));
        int[] batch = Shapes.broadcast(Arrays.copyOf(a.shape(), a.rank() - 2), Arrays.copyOf(b.shape(), b.rank() - 2));
        int nbDims = batch.length;
        int[] outShape = Arrays.copyOf(batch, nbDims + 2);
        outShape[nbDims] = m;
        outShape[nbDims + 1] = n;
        Tensor ha = Elementwise.heap(a), hb = Elementwise.heap(b);
        int[] aFull = Arrays.copyOf(batch, nbDims + 2), bFull = Arrays.copyOf(batch, nbDims + 2);
        aFull[nbDims] = m;
        aFull[nbDims + 1] = k;
        bFull[nbDims] = k;
        bFull[nbDims + 1] = n;
        long[] as = Shapes.broadcastStrides(ha, aFull), bs = Shapes.broadcastStrides(hb, bFull);
        int nb = Shapes.prod(batch, 0, nbDims);
        float[] out = new float[nb * m * n];
        if (out.length == 0 || k == 0) return Tensor.of(out, outShape);
        int asm = (int) as[nbDims], ask = (int) as[nbDims + 1], bsk = (int) bs[nbDims], bsn = (int) bs[nbDims + 1];
        float[] xa = ha.array(), xb = hb.array();
        long macs = (long) m * n * k;
        boolean perBatchParallel = nb >= par.threads() && nb > 1;
        Parallel inner = perBatchParallel ? null : par;
        Parallel.Body one = t -> {
            long ao = ha.offset(), bo = hb.offset();
            for (int d = nbDims - 1, rem = t; d >= 0; d--) {
                int i = rem % batch[d];
                rem /= batch[d];
                ao += i * as[d];
                bo += i * bs[d];
            }
            product(inner, m, n, k, xa, (int) ao, asm, ask, xb, (int) bo, bsk, bsn, out, t * m * n);
        };
        if (perBatchParallel && macs * nb >= Gemm.SERIAL_MACS) par.forEach(nb, one);
        else for (int t = 0; t < nb; t++) one.run(t);
        return Tensor.of(out, outShape);
    }

    private static void product(Parallel par, int m, int n, int k, float[] a, int ao, int asm, int ask,
                                float[] b, int bo, int bsk, int bsn, float[] c, int co) {
        if (m <= 2 && ask == 1 && (bsk == 1 || bsn == 1)) {
            for (int i = 0; i < m; i++) {
                int ai = ao + i * asm, ci = co + i * n;
                if (bsk == 1) {
                    for (int j = 0; j < n; j++) c[ci + j] = Gemv.dot(a, ai, b, bo + j * bsn, k);
                } else {
                    for (int p = 0; p < k; p++) axpy(a[ai + p], b, bo + p * bsk, c, ci, n);
                }
            }
            return;
        }
        Gemm.gemm(par, m, n, k, a, ao, asm, ask, Gemm.strided(b, bo, bsk, bsn), c, co, n);
    }

    /** y[yo ..] += s·x[xo ..] over n elements. */
    static void axpy(float s, float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        FloatVector sv = FloatVector.broadcast(F, s);
        for (int bound = F.loopBound(n); i < bound; i += L) {
            FloatVector.fromArray(F, x, xo + i).fma(sv, FloatVector.fromArray(F, y, yo + i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) y[yo + i] += s * x[xo + i];
    }
}
