package io.lora4j.adapters.glora;

import io.lora4j.engine.Backend;
import io.lora4j.engine.Tensor;
import io.lora4j.models.nn.DenseLinear;
import io.lora4j.models.nn.ForwardContext;
import io.lora4j.models.nn.Linear;
import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * A GLoRA layer (METHODS.md §2): frozen W0 [O×I], b0 [O] (or none), the layer's supernet tensors and
 * one configuration of the paths A..E.
 *
 * <p>{@link #forward} is the training form, computed path by path without forming the merged weight:
 * y = x·W0ᵀ + x·(W0⊙A)ᵀ + x·Bᵀ + b0 + b0⊙D + E + W0·C (a vector or constant A scales x·W0ᵀ; a LoRA B
 * runs through its factors; a vector or constant B adds b·Σx). {@link #reparameterize} gives the
 * merged plain layer W_uni = W0 + W0⊙A + B, b_uni = b0 + b0⊙D + E + W0·C (with W0, not W_uni, in the C term).
 * Immutable and thread-safe.
 */
public final class GloraLinear implements Linear {
    private final String name;
    private final Tensor w0;
    private final Tensor b0;
    private final GloraLayerWeights weights;
    private final GloraLayerConfig config;
    private final int out;
    private final int in;
    private volatile Tensor aWeight; // W0⊙A for a LoRA A, built on first training-form forward

    public GloraLinear(String name, Tensor w0, Tensor b0, GloraLayerWeights weights, GloraLayerConfig config) {
        if (w0.rank() != 2) throw new IllegalArgumentException(name + ": weight must be [out, in], got " + Arrays.toString(w0.shape()));
        this.out = w0.dim(0);
        this.in = w0.dim(1);
        if (b0 != null && (b0.rank() != 1 || b0.dim(0) != out)) throw new IllegalArgumentException(name + ": bias must be [" + out + "]");
        if (weights.shape().out() != out || weights.shape().in() != in) {
            throw new IllegalArgumentException(name + ": supernet tensors are for [" + weights.shape().out() + ", " + weights.shape().in()
                    + "] but the layer is [" + out + ", " + in + "]");
        }
        if (config.maxRank() > weights.rank()) {
            throw new IllegalArgumentException(name + ": LoRA rank " + config.maxRank() + " exceeds the supernet rank " + weights.rank());
        }
        this.name = name;
        this.w0 = w0;
        this.b0 = b0;
        this.weights = weights;
        this.config = config;
    }

    /** Wraps a plain layer. */
    public static GloraLinear of(String name, DenseLinear base, GloraLayerWeights weights, GloraLayerConfig config) {
        return new GloraLinear(name, base.weight(), base.bias(), weights, config);
    }

    public String name() {
        return name;
    }

    public GloraLayerConfig config() {
        return config;
    }

    @Override
    public int inFeatures() {
        return in;
    }

    @Override
    public int outFeatures() {
        return out;
    }

    // ------------------------------------------------------------------ materialized paths

    /** Low-rank product Xd[:, :r]·Xu[:r, :] at (row, col): rows = Xd rows, Xu has {@code cols} columns. */
    private static float lowRank(float[] xd, float[] xu, int rank, int r, int cols, int row, int col) {
        float s = 0;
        for (int k = 0; k < r; k++) s += xd[row * rank + k] * xu[k * cols + col];
        return s;
    }

    /** First column of Xd [rows×R]. */
    private static float[] firstColumn(Tensor xd, int rank) {
        float[] a = xd.array();
        float[] v = new float[xd.dim(0)];
        for (int k = 0; k < v.length; k++) v[k] = a[k * rank];
        return v;
    }

    /** C as an [I] vector (LoRA: Cd[:, :r]·Cu[:r]; vector: Cd[:, 0]), or null for none. */
    float[] cVector() {
        GloraMode m = config.c();
        int rank = weights.rank();
        return switch (m.kind()) {
            case NONE, CONSTANT -> null;
            case VECTOR -> firstColumn(weights.cd(), rank);
            case LORA -> {
                float[] c = new float[in];
                float[] cd = weights.cd().array(), cu = weights.cu().array();
                for (int i = 0; i < in; i++) c[i] = lowRank(cd, cu, rank, m.rank(), 1, i, 0);
                yield c;
            }
        };
    }

    /** D or E as an [O] vector ("constant" repeats element 0), or null for none. */
    private float[] outVector(GloraMode m, Tensor v) {
        return switch (m.kind()) {
            case NONE, LORA -> null;
            case VECTOR -> v.array().clone();
            case CONSTANT -> {
                float[] c = new float[out];
                Arrays.fill(c, v.array()[0]);
                yield c;
            }
        };
    }

    // ------------------------------------------------------------------ reparameterization

    /** The merged plain layer W_uni, b_uni (F32). With no base bias and no C/E term the result has no bias. */
    public DenseLinear reparameterize() {
        float[] w = floats(w0);
        float[] wOut = new float[w.length];
        int rank = weights.rank();
        GloraMode ma = config.a(), mb = config.b();
        float[] ad = weights.ad().array(), au = weights.au().array(), bd = weights.bd().array(), bu = weights.bu().array();
        boolean aLora = ma.kind() == GloraMode.Kind.LORA, bLora = mb.kind() == GloraMode.Kind.LORA;
        int chunk = 32;
        IntStream.range(0, (out + chunk - 1) / chunk).parallel().forEach(c -> {
            float[] aRow = aLora ? new float[in] : null, bRow = bLora ? new float[in] : null;
            for (int o = c * chunk; o < Math.min(out, (c + 1) * chunk); o++) {
                int row = o * in;
                if (aLora) lowRankRow(ad, au, rank, ma.rank(), in, o, aRow);
                if (bLora) lowRankRow(bd, bu, rank, mb.rank(), in, o, bRow);
                float aS = switch (ma.kind()) {
                    case VECTOR -> ad[o * rank];
                    case CONSTANT -> ad[0];
                    default -> 0f;
                };
                float bS = switch (mb.kind()) {
                    case VECTOR -> bd[o * rank];
                    case CONSTANT -> bd[0];
                    default -> 0f;
                };
                if (aLora && bLora) {
                    for (int i = 0; i < in; i++) {
                        float x = w[row + i];
                        wOut[row + i] = x + x * aRow[i] + bRow[i];
                    }
                } else if (aLora) {
                    for (int i = 0; i < in; i++) {
                        float x = w[row + i];
                        wOut[row + i] = x + x * aRow[i] + bS;
                    }
                } else if (bLora) {
                    for (int i = 0; i < in; i++) {
                        float x = w[row + i];
                        wOut[row + i] = x + x * aS + bRow[i];
                    }
                } else {
                    for (int i = 0; i < in; i++) {
                        float x = w[row + i];
                        wOut[row + i] = x + x * aS + bS;
                    }
                }
            }
        });
        return new DenseLinear(Tensor.of(wOut, out, in), mergedBias(w));
    }

    /**
     * {@link #reparameterize()} computed by {@code backend}: W_uni = {@link Backend#gloraWeight}(W0, A, B) with
     * LoRA paths materialized as {@code backend.matmul(Xd[:, :r], Xu[:r, :])}, vector paths as [O, 1] and
     * constants as scalars (a device backend such as TornadoVM keeps W0 resident across candidates). The bias
     * is O-length arithmetic on the host, as in {@link #reparameterize()}.
     */
    public DenseLinear reparameterize(Backend backend) {
        Tensor a = pathTensor(backend, config.a(), weights.ad(), weights.au());
        Tensor b = pathTensor(backend, config.b(), weights.bd(), weights.bu());
        return new DenseLinear(backend.gloraWeight(w0, a, b), mergedBias(w0.toFloatArray()));
    }

    /** Path A or B as a tensor broadcastable to [O, I], or null for none. */
    private Tensor pathTensor(Backend backend, GloraMode m, Tensor xd, Tensor xu) {
        return switch (m.kind()) {
            case NONE -> null;
            case VECTOR -> Tensor.of(firstColumn(xd, weights.rank()), out, 1);
            case CONSTANT -> Tensor.scalar(xd.array()[0]);
            case LORA -> backend.matmul(leftColumns(xd, m.rank()), topRows(xu, m.rank()));
        };
    }

    /** b_uni = b0 + b0⊙D + E + W0·C (W0 given as its F32 values), or null when there is no bias at all. */
    private Tensor mergedBias(float[] w) {
        float[] c = cVector();
        float[] d = outVector(config.d(), weights.d()), e = outVector(config.e(), weights.e());
        if (b0 == null && c == null && e == null) return null;
        float[] b = b0 == null ? new float[out] : b0.toFloatArray();
        float[] bOut = new float[out];
        // rows in parallel: W0·C reads all of W0 (the largest part of this method's work)
        IntStream.range(0, out).parallel().forEach(o -> {
            float v = b[o];
            if (d != null && b0 != null) v += b[o] * d[o];
            if (e != null) v += e[o];
            if (c != null) {
                double s = 0;
                for (int i = 0; i < in; i++) s += (double) w[o * in + i] * c[i];
                v += (float) s;
            }
            bOut[o] = v;
        });
        return Tensor.of(bOut, out);
    }

    /** Row o of Xd[:, :r]·Xu[:r, :] into {@code dst} (length = Xu columns); a loop the JIT vectorizes. */
    private static void lowRankRow(float[] xd, float[] xu, int rank, int r, int cols, int o, float[] dst) {
        java.util.Arrays.fill(dst, 0f);
        for (int k = 0; k < r; k++) {
            float s = xd[o * rank + k];
            int base = k * cols;
            for (int i = 0; i < cols; i++) dst[i] += s * xu[base + i];
        }
    }

    /** All elements of a weight as row-major F32 (callers only read it), with a bulk copy for contiguous F32 file mappings. */
    static float[] floats(Tensor t) {
        // read-only use: a compact heap F32 tensor is its own array (no 4·O·I-byte copy)
        if (t.isHeapF32() && t.isContiguous() && t.offset() == 0 && t.array().length == t.numel()) return t.array();
        if (!t.isHeapF32() && t.dtype() == io.lora4j.engine.DType.F32 && t.isContiguous()) {
            float[] out = new float[t.numel()];
            java.lang.foreign.MemorySegment.copy(t.segment(), java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN),
                    t.offset() * 4, out, 0, out.length);
            return out;
        }
        return t.toFloatArray();
    }

    // ------------------------------------------------------------------ training form

    private Tensor aWeight() {
        Tensor t = aWeight;
        if (t == null) {
            float[] w = w0.toFloatArray();
            float[] ad = weights.ad().array(), au = weights.au().array();
            int rank = weights.rank(), r = config.a().rank();
            float[] wa = new float[w.length];
            IntStream.range(0, out).parallel().forEach(o -> {
                for (int i = 0; i < in; i++) wa[o * in + i] = w[o * in + i] * lowRank(ad, au, rank, r, in, o, i);
            });
            aWeight = t = Tensor.of(wa, out, in);
        }
        return t;
    }

    private static Tensor leftColumns(Tensor x, int r) {
        return x.narrow(1, 0, r).contiguous();
    }

    private static Tensor topRows(Tensor x, int r) {
        return x.narrow(0, 0, r).contiguous();
    }

    @Override
    public Tensor forward(Backend backend, Tensor x, ForwardContext ctx) {
        Tensor y0 = backend.linear(x, w0, null);
        Tensor y = y0;
        int rank = weights.rank();
        switch (config.a().kind()) {
            case LORA -> y = backend.add(y, backend.linear(x, aWeight(), null));
            case VECTOR -> y = backend.add(y, backend.mul(y0, Tensor.of(firstColumn(weights.ad(), rank), out)));
            case CONSTANT -> y = backend.add(y, backend.scale(y0, weights.ad().array()[0]));
            case NONE -> { }
        }
        GloraMode mb = config.b();
        switch (mb.kind()) {
            case LORA -> {
                Tensor h = backend.linear(x, topRows(weights.bu(), mb.rank()), null);
                y = backend.add(y, backend.linear(h, leftColumns(weights.bd(), mb.rank()), null));
            }
            case VECTOR -> y = backend.add(y, backend.mul(rowSum(backend, x), Tensor.of(firstColumn(weights.bd(), rank), out)));
            case CONSTANT -> y = backend.add(y, backend.scale(rowSum(backend, x), weights.bd().array()[0]));
            case NONE -> { }
        }
        if (b0 != null) {
            y = backend.add(y, b0);
            switch (config.d().kind()) {
                case VECTOR -> y = backend.add(y, backend.mul(b0, weights.d()));
                case CONSTANT -> y = backend.add(y, backend.scale(b0, weights.d().array()[0]));
                default -> { }
            }
        }
        switch (config.e().kind()) {
            case VECTOR -> y = backend.add(y, weights.e());
            case CONSTANT -> y = backend.add(y, Tensor.of(new float[] {weights.e().array()[0]}, 1));
            default -> { }
        }
        float[] c = cVector();
        if (c != null) {
            Tensor shift = backend.linear(Tensor.of(c, 1, in), w0, null); // W0·C as a row [1, O]
            y = backend.add(y, shift.reshape(out));
        }
        return y;
    }

    /** Σ over the last axis, kept as a size-1 axis: x [.., I] → [.., 1]. */
    private Tensor rowSum(Backend backend, Tensor x) {
        float[] ones = new float[in];
        Arrays.fill(ones, 1f);
        return backend.linear(x, Tensor.of(ones, 1, in), null);
    }
}
