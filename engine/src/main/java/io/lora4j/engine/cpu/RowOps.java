package io.lora4j.engine.cpu;

import io.lora4j.engine.Backend;
import io.lora4j.engine.Shapes;
import io.lora4j.engine.Tensor;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Ops over the last axis, one row at a time, rows spread over the pool: softmax (with additive
 * bias/mask), log-softmax, LayerNorm, RMSNorm, argmax, top-k, cross-entropy. Accumulation is F32
 * in vector lanes (the scalar reference uses double; see the differential test's tolerances).
 */
public final class RowOps {
    private RowOps() {}

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int L = F.length();
    static final int GRAIN = 1 << 13;

    /** x as a contiguous F32 heap array starting at index 0 (a copy unless it already is one). */
    static float[] dense(Tensor x) {
        Tensor c = x.contiguous();
        return c.array();
    }

    private static int rows(Tensor x) {
        int d = x.rank() == 0 ? 1 : x.dim(-1);
        return d == 0 ? 0 : x.numel() / d;
    }

    /** Softmax over the last axis of x + bias (bias broadcast to x; null for none). */
    public static Tensor softmax(Parallel par, Tensor x, Tensor bias) {
        int[] shape = x.shape();
        if (bias != null && !Arrays.equals(Shapes.broadcast(shape, bias.shape()), shape)) {
            throw new IllegalArgumentException("softmax bias " + Arrays.toString(bias.shape()) + " does not broadcast to " + Arrays.toString(shape));
        }
        Tensor sum = bias == null ? x : Elementwise.binary(par, x, bias, Elementwise.Binary.ADD);
        float[] out = bias == null ? x.toFloatArray() : sum.array(); // binary() returns a fresh array
        int d = x.dim(-1), rows = rows(x);
        par.range(rows, Math.max(1, GRAIN / Math.max(1, d)), (from, to) -> {
            for (int r = from; r < to; r++) softmaxRow(out, r * d, d);
        });
        return Tensor.of(out, shape);
    }

    static void softmaxRow(float[] v, int o, int d) {
        float max = max(v, o, d);
        if (max == Float.NEGATIVE_INFINITY) {
            Arrays.fill(v, o, o + d, 0f);
            return;
        }
        float sum = expShiftInPlace(v, o, d, max);
        float inv = 1f / sum;
        int i = 0;
        for (int bound = F.loopBound(d); i < bound; i += L) FloatVector.fromArray(F, v, o + i).mul(inv).intoArray(v, o + i);
        for (; i < d; i++) v[o + i] *= inv;
    }

    /** max of v[o .. o+d). */
    static float max(float[] v, int o, int d) {
        FloatVector m = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (int bound = F.loopBound(d); i < bound; i += L) m = m.max(FloatVector.fromArray(F, v, o + i));
        float r = m.reduceLanes(VectorOperators.MAX);
        for (; i < d; i++) r = Math.max(r, v[o + i]);
        return r;
    }

    /** v ← e^(v − shift) in place; returns the sum. */
    private static float expShiftInPlace(float[] v, int o, int d, float shift) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (int bound = F.loopBound(d); i < bound; i += L) {
            FloatVector e = VectorMath.exp(FloatVector.fromArray(F, v, o + i).sub(shift));
            e.intoArray(v, o + i);
            acc = acc.add(e);
        }
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (; i < d; i++) {
            float e = (float) Math.exp(v[o + i] - shift);
            v[o + i] = e;
            s += e;
        }
        return s;
    }

    /** log Σ e^v over v[o .. o+d) (max-shifted). */
    static float logSumExp(float[] v, int o, int d) {
        float max = max(v, o, d);
        if (max == Float.NEGATIVE_INFINITY || max == Float.POSITIVE_INFINITY) return max;
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (int bound = F.loopBound(d); i < bound; i += L) acc = acc.add(VectorMath.exp(FloatVector.fromArray(F, v, o + i).sub(max)));
        double s = acc.reduceLanes(VectorOperators.ADD);
        for (; i < d; i++) s += Math.exp(v[o + i] - max);
        return (float) (max + Math.log(s));
    }

    public static Tensor logSoftmax(Parallel par, Tensor x) {
        float[] v = x.toFloatArray();
        int d = x.dim(-1), rows = rows(x);
        par.range(rows, Math.max(1, GRAIN / Math.max(1, d)), (from, to) -> {
            for (int r = from; r < to; r++) {
                int o = r * d;
                float lse = logSumExp(v, o, d);
                int i = 0;
                for (int bound = F.loopBound(d); i < bound; i += L) FloatVector.fromArray(F, v, o + i).sub(lse).intoArray(v, o + i);
                for (; i < d; i++) v[o + i] -= lse;
            }
        });
        return Tensor.of(v, x.shape());
    }

    public static Tensor layerNorm(Parallel par, Tensor x, Tensor gamma, Tensor beta, float eps) {
        int d = x.dim(-1);
        Shapes.requireLastDim(gamma, d, "layerNorm gamma");
        if (beta != null) Shapes.requireLastDim(beta, d, "layerNorm beta");
        float[] v = x.toFloatArray(), g = gamma.toFloatArray(), b = beta == null ? new float[d] : beta.toFloatArray();
        par.range(rows(x), Math.max(1, GRAIN / Math.max(1, d)), (from, to) -> {
            for (int r = from; r < to; r++) {
                int o = r * d;
                FloatVector acc = FloatVector.zero(F);
                int i = 0;
                for (int bound = F.loopBound(d); i < bound; i += L) acc = acc.add(FloatVector.fromArray(F, v, o + i));
                float s = acc.reduceLanes(VectorOperators.ADD);
                for (; i < d; i++) s += v[o + i];
                float mean = s / d;
                acc = FloatVector.zero(F);
                i = 0;
                for (int bound = F.loopBound(d); i < bound; i += L) {
                    FloatVector c = FloatVector.fromArray(F, v, o + i).sub(mean);
                    acc = c.fma(c, acc);
                }
                float ss = acc.reduceLanes(VectorOperators.ADD);
                for (; i < d; i++) ss += (v[o + i] - mean) * (v[o + i] - mean);
                float inv = (float) (1 / Math.sqrt(ss / d + eps));
                i = 0;
                for (int bound = F.loopBound(d); i < bound; i += L) {
                    FloatVector c = FloatVector.fromArray(F, v, o + i).sub(mean).mul(inv);
                    c.fma(FloatVector.fromArray(F, g, i), FloatVector.fromArray(F, b, i)).intoArray(v, o + i);
                }
                for (; i < d; i++) v[o + i] = (v[o + i] - mean) * inv * g[i] + b[i];
            }
        });
        return Tensor.of(v, x.shape());
    }

    public static Tensor rmsNorm(Parallel par, Tensor x, Tensor gamma, float eps) {
        int d = x.dim(-1);
        Shapes.requireLastDim(gamma, d, "rmsNorm gamma");
        float[] v = x.toFloatArray(), g = gamma.toFloatArray();
        par.range(rows(x), Math.max(1, GRAIN / Math.max(1, d)), (from, to) -> {
            for (int r = from; r < to; r++) {
                int o = r * d;
                FloatVector acc = FloatVector.zero(F);
                int i = 0;
                for (int bound = F.loopBound(d); i < bound; i += L) {
                    FloatVector c = FloatVector.fromArray(F, v, o + i);
                    acc = c.fma(c, acc);
                }
                float ss = acc.reduceLanes(VectorOperators.ADD);
                for (; i < d; i++) ss += v[o + i] * v[o + i];
                float inv = (float) (1 / Math.sqrt(ss / d + eps));
                i = 0;
                for (int bound = F.loopBound(d); i < bound; i += L) {
                    FloatVector.fromArray(F, v, o + i).mul(inv).mul(FloatVector.fromArray(F, g, i)).intoArray(v, o + i);
                }
                for (; i < d; i++) v[o + i] = v[o + i] * inv * g[i];
            }
        });
        return Tensor.of(v, x.shape());
    }

    public static int[] argmax(Parallel par, Tensor x) {
        float[] v = dense(x);
        int d = x.dim(-1), rows = rows(x);
        int[] out = new int[rows];
        par.range(rows, Math.max(1, GRAIN / Math.max(1, d)), (from, to) -> {
            for (int r = from; r < to; r++) {
                int o = r * d;
                float m = max(v, o, d);
                int best = 0;
                while (best < d && !(v[o + best] == m)) best++;
                if (best == d) { // NaNs only: fall back to the reference's comparison order
                    best = 0;
                    for (int j = 1; j < d; j++) if (v[o + j] > v[o + best]) best = j;
                }
                out[r] = best;
            }
        });
        return out;
    }

    public static Backend.TopK topk(Parallel par, Tensor x, int k) {
        float[] v = dense(x);
        int d = x.dim(-1), rows = rows(x);
        if (k < 0 || k > d) throw new IllegalArgumentException("topk k=" + k + " for rows of " + d);
        float[] vals = new float[rows * k];
        int[] idx = new int[rows * k];
        par.range(rows, Math.max(1, GRAIN / Math.max(1, d)), (from, to) -> {
            for (int r = from; r < to; r++) topkRow(v, r * d, d, k, vals, idx, r * k);
        });
        return new Backend.TopK(vals, idx, k);
    }

    /** Keeps a sorted list of the k best (descending; on ties the lower index stays first). */
    private static void topkRow(float[] v, int o, int d, int k, float[] vals, int[] idx, int out) {
        if (k == 0) return;
        int size = 0;
        for (int j = 0; j < d; j++) {
            float x = v[o + j];
            if (size == k && !(x > vals[out + k - 1])) continue;
            int pos = size == k ? k - 1 : size++;
            while (pos > 0 && x > vals[out + pos - 1]) {
                vals[out + pos] = vals[out + pos - 1];
                idx[out + pos] = idx[out + pos - 1];
                pos--;
            }
            vals[out + pos] = x;
            idx[out + pos] = j;
        }
    }

    public static Backend.CrossEntropy crossEntropy(Parallel par, Tensor logits, int[] labels, int ignoreIndex) {
        int v = logits.dim(-1);
        float[] l = dense(logits);
        int rows = rows(logits);
        if (rows != labels.length) throw new IllegalArgumentException("crossEntropy: " + labels.length + " labels for " + rows + " rows");
        for (int label : labels) {
            if (label != ignoreIndex && (label < 0 || label >= v)) throw new IndexOutOfBoundsException("label " + label + " outside [0, " + v + ")");
        }
        float[] per = new float[rows];
        par.range(rows, Math.max(1, GRAIN / Math.max(1, v)), (from, to) -> {
            for (int r = from; r < to; r++) {
                if (labels[r] == ignoreIndex) continue;
                per[r] = logSumExp(l, r * v, v) - l[r * v + labels[r]];
            }
        });
        double sum = 0;
        int count = 0;
        for (int r = 0; r < rows; r++) {
            if (labels[r] == ignoreIndex) continue;
            sum += per[r];
            count++;
        }
        return new Backend.CrossEntropy(per, sum, count);
    }
}
