package io.lora4j.tornadovm;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * Elementwise and row-wise (normalization) kernels. One work-item per element, or per row. Sizes are
 * read from {@code dims} at {@code at} (0 for a plan of its own; a trace packs every op's sizes in one buffer).
 */
public final class ElementwiseKernels {
    private ElementwiseKernels() {}

    static final int ADD = 0, MUL = 1;
    static final int SCALE = 0, RELU = 1, GELU = 2, GELU_TANH = 3, SILU = 4;
    static final int SOFTMAX = 0, LOG_SOFTMAX = 1;
    static final int LAYER_NORM = 0, RMS_NORM = 1;

    /**
     * c[i] = a[i mod na] op b[i mod nb] for i &lt; n: covers same-shape operands and any operand whose
     * shape is a trailing part of the result's (a bias row, a [1, H, M, N] position bias).
     * dims = (n, na, nb, op).
     */
    public static void binary(KernelContext ctx, FloatArray a, FloatArray b, FloatArray c, IntArray dims, int at) {
        int i = ctx.globalIdx;
        if (i < dims.get(at + 0)) {
            float x = a.get(i % dims.get(at + 1));
            float y = b.get(i % dims.get(at + 2));
            float r;
            if (dims.get(at + 3) == ADD) {
                r = x + y;
            } else {
                r = x * y;
            }
            c.set(i, r);
        }
    }

    /** y[i] = f(x[i]) for i &lt; n; dims = (n, op, p) from {@code at}, s = params[p] for SCALE. */
    public static void unary(KernelContext ctx, FloatArray x, FloatArray params, FloatArray y, IntArray dims, int at) {
        int i = ctx.globalIdx;
        if (i < dims.get(at + 0)) {
            int op = dims.get(at + 1);
            float v = x.get(i);
            float r;
            if (op == SCALE) {
                r = v * params.get(dims.get(at + 2));
            } else if (op == RELU) {
                r = TornadoMath.max(v, 0.0f);
            } else if (op == GELU) {
                // 0.5·v·(1 + erf(v/√2)) = 0.5·v·erfc(-v/√2)
                r = 0.5f * v * erfc(-v * 0.70710677f);
            } else if (op == GELU_TANH) {
                float u = 0.7978846f * (v + 0.044715f * v * v * v);
                r = 0.5f * v * (1.0f + TornadoMath.tanh(u));
            } else {
                r = v / (1.0f + TornadoMath.exp(-v));
            }
            y.set(i, r);
        }
    }

    /**
     * erfc(z) with fractional error below 1.2e-7 everywhere (Numerical Recipes' Chebyshev fit,
     * W. H. Press et al., 2nd ed., §6.2, function erfcc).
     */
    public static float erfc(float z) {
        float az = TornadoMath.abs(z);
        float t = 1.0f / (1.0f + 0.5f * az);
        float poly = -1.26551223f + t * (1.00002368f + t * (0.37409196f + t * (0.09678418f + t * (-0.18628806f
                + t * (0.27886807f + t * (-1.13520398f + t * (1.48851587f + t * (-0.82215223f + t * 0.17087277f))))))));
        float ans = t * TornadoMath.exp(-az * az + poly);
        if (z < 0.0f) {
            ans = 2.0f - ans;
        }
        return ans;
    }

    /**
     * (log-)softmax of each row of x (+ bias[(r·d + j) mod nb] when nb &gt; 0). A row of only -inf
     * gives zeros (softmax). dims = (rows, d, nb, op). One work-item per row.
     */
    public static void softmaxRows(KernelContext ctx, FloatArray x, FloatArray bias, FloatArray y, IntArray dims, int at) {
        int r = ctx.globalIdx;
        int rows = dims.get(at + 0);
        int d = dims.get(at + 1);
        int nb = dims.get(at + 2);
        int op = dims.get(at + 3);
        if (r < rows) {
            int base = r * d;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < d; j++) {
                float v = x.get(base + j);
                if (nb > 0) {
                    v = v + bias.get((base + j) % nb);
                }
                max = TornadoMath.max(max, v);
            }
            if (max == Float.NEGATIVE_INFINITY && op == SOFTMAX) {
                for (int j = 0; j < d; j++) {
                    y.set(base + j, 0.0f);
                }
            } else {
                float sum = 0.0f;
                for (int j = 0; j < d; j++) {
                    float v = x.get(base + j);
                    if (nb > 0) {
                        v = v + bias.get((base + j) % nb);
                    }
                    sum += TornadoMath.exp(v - max);
                }
                float lse = max + TornadoMath.log(sum);
                for (int j = 0; j < d; j++) {
                    float v = x.get(base + j);
                    if (nb > 0) {
                        v = v + bias.get((base + j) % nb);
                    }
                    if (op == SOFTMAX) {
                        y.set(base + j, TornadoMath.exp(v - max) / sum);
                    } else {
                        y.set(base + j, v - lse);
                    }
                }
            }
        }
    }

    /**
     * LayerNorm ((x - mean)/sqrt(var + eps)·γ + β, β optional) or T5 RMSNorm (x/sqrt(mean x² + eps)·γ)
     * of each row. dims = (rows, d, op, hasBeta, p) from {@code at}, eps = params[p]. One work-item per row.
     */
    public static void normRows(KernelContext ctx, FloatArray x, FloatArray gamma, FloatArray beta, FloatArray params, FloatArray y, IntArray dims, int at) {
        int r = ctx.globalIdx;
        int rows = dims.get(at + 0);
        int d = dims.get(at + 1);
        int op = dims.get(at + 2);
        int hasBeta = dims.get(at + 3);
        float eps = params.get(dims.get(at + 4));
        if (r < rows) {
            int base = r * d;
            float mean = 0.0f;
            if (op == LAYER_NORM) {
                for (int j = 0; j < d; j++) {
                    mean += x.get(base + j);
                }
                mean = mean / d;
            }
            float ss = 0.0f;
            for (int j = 0; j < d; j++) {
                float v = x.get(base + j) - mean;
                ss += v * v;
            }
            float inv = 1.0f / TornadoMath.sqrt(ss / d + eps);
            for (int j = 0; j < d; j++) {
                float v = (x.get(base + j) - mean) * inv * gamma.get(j);
                if (hasBeta == 1) {
                    v = v + beta.get(j);
                }
                y.set(base + j, v);
            }
        }
    }

    /** Largest rank {@link #gather} handles; dims = (n, rank, offset, shape[MAX_RANK], strides[MAX_RANK]). */
    static final int MAX_RANK = 6, GATHER_DIMS = 3 + 2 * MAX_RANK;

    /**
     * y[i] = x[offset + Σ_d idx_d(i)·stride_d] for i &lt; n, idx(i) the row-major multi-index of i in
     * shape: a strided view (permute, narrow, select, a broadcast with stride 0) copied to a contiguous
     * buffer on the device. dims = (n, rank, offset, shape[6], strides[6]).
     */
    public static void gather(KernelContext ctx, FloatArray x, FloatArray y, IntArray dims, int at) {
        int i = ctx.globalIdx;
        if (i < dims.get(at + 0)) {
            int rank = dims.get(at + 1);
            int rem = i;
            int p = dims.get(at + 2);
            for (int d = rank - 1; d >= 0; d--) {
                int s = dims.get(at + 3 + d);
                int q = rem % s;
                rem = rem / s;
                p += q * dims.get(at + 3 + MAX_RANK + d);
            }
            y.set(i, x.get(p));
        }
    }
}
