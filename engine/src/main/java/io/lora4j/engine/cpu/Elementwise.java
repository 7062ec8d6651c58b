package io.lora4j.engine.cpu;

import io.lora4j.engine.Shapes;
import io.lora4j.engine.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Elementwise ops: broadcasting add/mul, scale and activations. Outputs are new contiguous F32 tensors. */
public final class Elementwise {
    private Elementwise() {}

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int L = F.length();
    /** Elements per task at least. */
    static final int GRAIN = 1 << 14;

    /** A lane-wise unary function with its scalar twin for tails (both must agree). */
    public interface UnaryKernel {
        FloatVector apply(FloatVector v);

        float apply(float v);
    }

    public enum Binary { ADD, MUL }

    /** Heap F32 view of t: itself if heap-backed (any strides), else a converted contiguous copy. */
    static Tensor heap(Tensor t) {
        return t.isHeapF32() ? t : t.contiguous();
    }

    /** a (op) b with numpy broadcasting. */
    public static Tensor binary(Parallel par, Tensor a0, Tensor b0, Binary op) {
        int[] shape = Shapes.broadcast(a0.shape(), b0.shape());
        Tensor a = heap(a0), b = heap(b0);
        int n = Shapes.prod(shape, 0, shape.length);
        float[] out = new float[n];
        if (n == 0) return Tensor.of(out, shape);
        int r = shape.length;
        int d = r == 0 ? 1 : shape[r - 1];
        long[] as = Shapes.broadcastStrides(a, shape), bs = Shapes.broadcastStrides(b, shape);
        long sa = r == 0 ? 0 : as[r - 1], sb = r == 0 ? 0 : bs[r - 1];
        float[] xa = a.array(), xb = b.array();
        int rows = n / d;
        // contiguous same-shape operands: one flat row
        boolean flat = a.isContiguous() && b.isContiguous() && a.numel() == n && b.numel() == n;
        if (flat) {
            int ao = (int) a.offset(), bo = (int) b.offset();
            par.range(n, GRAIN, (from, to) -> row(op, xa, ao + from, 1, xb, bo + from, 1, out, from, to - from));
            return Tensor.of(out, shape);
        }
        par.range(rows, Math.max(1, GRAIN / d), (from, to) -> {
            for (int row = from; row < to; row++) {
                long pa = a.offset(), pb = b.offset();
                for (int dim = r - 2, rem = row; dim >= 0; dim--) {
                    int i = rem % shape[dim];
                    rem /= shape[dim];
                    pa += i * as[dim];
                    pb += i * bs[dim];
                }
                row(op, xa, (int) pa, (int) sa, xb, (int) pb, (int) sb, out, row * d, d);
            }
        });
        return Tensor.of(out, shape);
    }

    /** out[oo + i] = a[ao + i·sa] (op) b[bo + i·sb] for i < len; strides 1 and 0 are vectorized. */
    private static void row(Binary op, float[] a, int ao, int sa, float[] b, int bo, int sb, float[] out, int oo, int len) {
        int i = 0;
        boolean add = op == Binary.ADD;
        if (sa == 1 && sb == 1) {
            for (int bound = F.loopBound(len); i < bound; i += L) {
                FloatVector x = FloatVector.fromArray(F, a, ao + i), y = FloatVector.fromArray(F, b, bo + i);
                (add ? x.add(y) : x.mul(y)).intoArray(out, oo + i);
            }
        } else if (sa == 1 && sb == 0) {
            FloatVector y = FloatVector.broadcast(F, b[bo]);
            for (int bound = F.loopBound(len); i < bound; i += L) {
                FloatVector x = FloatVector.fromArray(F, a, ao + i);
                (add ? x.add(y) : x.mul(y)).intoArray(out, oo + i);
            }
        } else if (sa == 0 && sb == 1) {
            FloatVector x = FloatVector.broadcast(F, a[ao]);
            for (int bound = F.loopBound(len); i < bound; i += L) {
                FloatVector y = FloatVector.fromArray(F, b, bo + i);
                (add ? x.add(y) : x.mul(y)).intoArray(out, oo + i);
            }
        }
        for (; i < len; i++) {
            float x = a[ao + i * sa], y = b[bo + i * sb];
            out[oo + i] = add ? x + y : x * y;
        }
    }

    /** f applied to every element of x. */
    public static Tensor map(Parallel par, Tensor x0, UnaryKernel f) {
        Tensor x = heap(x0);
        if (!x.isContiguous()) x = x.contiguous();
        int n = x.numel();
        float[] src = x.array(), out = new float[n];
        int off = (int) x.offset();
        par.range(n, GRAIN, (from, to) -> {
            int i = from;
            for (int bound = from + F.loopBound(to - from); i < bound; i += L) {
                f.apply(FloatVector.fromArray(F, src, off + i)).intoArray(out, i);
            }
            for (; i < to; i++) out[i] = f.apply(src[off + i]);
        });
        return Tensor.of(out, x.shape());
    }

    public static UnaryKernel scale(float s) {
        return new UnaryKernel() {
            public FloatVector apply(FloatVector v) {
                return v.mul(s);
            }

            public float apply(float v) {
                return v * s;
            }
        };
    }

    public static final UnaryKernel RELU = new UnaryKernel() {
        public FloatVector apply(FloatVector v) {
            return v.max(0f);
        }

        public float apply(float v) {
            return v > 0 ? v : 0f;
        }
    };

    private static final float INV_SQRT2 = (float) (1 / Math.sqrt(2));

    /** Exact GELU 0.5·x·(1 + erf(x/√2)). */
    public static final UnaryKernel GELU = new UnaryKernel() {
        public FloatVector apply(FloatVector v) {
            return v.mul(0.5f).mul(VectorMath.erf(v.mul(INV_SQRT2)).add(1f));
        }

        public float apply(float v) {
            return 0.5f * v * (1 + VectorMath.erf(v * INV_SQRT2));
        }
    };

    private static final float SQRT_2_OVER_PI = (float) Math.sqrt(2 / Math.PI);

    /** GELU with the tanh approximation 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
    public static final UnaryKernel GELU_TANH = new UnaryKernel() {
        public FloatVector apply(FloatVector v) {
            FloatVector inner = v.mul(v).fma(0.044715f, 1f).mul(v).mul(SQRT_2_OVER_PI);
            return v.mul(0.5f).mul(VectorMath.tanh(inner).add(1f));
        }

        public float apply(float v) {
            float inner = SQRT_2_OVER_PI * (v + 0.044715f * v * v * v);
            return 0.5f * v * (1 + (float) Math.tanh(inner));
        }
    };

    /** SiLU x·σ(x) = x / (1 + e^-x). */
    public static final UnaryKernel SILU = new UnaryKernel() {
        public FloatVector apply(FloatVector v) {
            return v.div(VectorMath.exp(v.neg()).add(1f));
        }

        public float apply(float v) {
            return (float) (v / (1 + Math.exp(-v)));
        }
    };

    /** Σᵢ weights[i]·parts[i] over same-shape tensors → F32 (the LoRAHub composition), F32 FMAs in part order. */
    public static Tensor weightedSum(Parallel par, float[] weights, Tensor... parts) {
        if (parts.length == 0 || weights.length != parts.length) {
            throw new IllegalArgumentException("weightedSum: " + weights.length + " weights for " + parts.length + " tensors");
        }
        int[] shape = parts[0].shape();
        float[][] src = new float[parts.length][];
        int[] off = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            if (!java.util.Arrays.equals(parts[i].shape(), shape)) {
                throw new IllegalArgumentException("weightedSum: tensor " + i + " has shape " + java.util.Arrays.toString(parts[i].shape())
                        + ", expected " + java.util.Arrays.toString(shape));
            }
            Tensor h = parts[i].isHeapF32() && parts[i].isContiguous() ? parts[i] : parts[i].contiguous();
            src[i] = h.array();
            off[i] = (int) h.offset();
        }
        int n = parts[0].numel();
        float[] out = new float[n];
        par.range(n, GRAIN, (from, to) -> {
            for (int i = 0; i < src.length; i++) {
                float[] a = src[i];
                int o = off[i];
                FloatVector wv = FloatVector.broadcast(F, weights[i]);
                int j = from;
                for (int bound = from + F.loopBound(to - from); j < bound; j += L) {
                    FloatVector.fromArray(F, a, o + j).fma(wv, FloatVector.fromArray(F, out, j)).intoArray(out, j);
                }
                for (; j < to; j++) out[j] += weights[i] * a[o + j];
            }
        });
        return Tensor.of(out, shape);
    }

    /** Σ of all elements of a contiguous F32 range, vectorized with 4 accumulators (the bandwidth probe). */
    public static double sum(float[] a, int from, int to) {
        FloatVector s0 = FloatVector.zero(F), s1 = FloatVector.zero(F), s2 = FloatVector.zero(F), s3 = FloatVector.zero(F);
        int i = from;
        for (; i + 4 * L <= to; i += 4 * L) {
            s0 = s0.add(FloatVector.fromArray(F, a, i));
            s1 = s1.add(FloatVector.fromArray(F, a, i + L));
            s2 = s2.add(FloatVector.fromArray(F, a, i + 2 * L));
            s3 = s3.add(FloatVector.fromArray(F, a, i + 3 * L));
        }
        double r = s0.add(s1).add(s2.add(s3)).reduceLanes(VectorOperators.ADD);
        for (; i < to; i++) r += a[i];
        return r;
    }
}
