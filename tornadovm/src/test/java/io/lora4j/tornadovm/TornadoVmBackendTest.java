package io.lora4j.tornadovm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.lora4j.engine.Backend;
import io.lora4j.engine.Backends;
import io.lora4j.engine.DType;
import io.lora4j.engine.ScalarBackend;
import io.lora4j.engine.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every offloaded op of the TornadoVM backend, differential against the scalar reference over a
 * grid of shapes (1-row, odd sizes, sizes that are not multiples of the 16×16 tile, batched,
 * transposed and broadcast operands). Runs on TornadoVM's default device (PoCL's CPU device here).
 * The backend as created by name keeps activations on the device (each op here is read at once, so
 * each runs as a one-op trace); {@link TornadoVmPerOpBackendTest} runs the same grid in per-op mode.
 */
class TornadoVmBackendTest {
    private static final ScalarBackend REF = new ScalarBackend();
    static TornadoVmBackend dev;
    private final Random rnd = new Random(42);

    @BeforeAll
    static void open() {
        Backend b = Backends.create("tornadovm", 2);
        dev = assertInstanceOf(TornadoVmBackend.class, b, "the provider must be found through ServiceLoader");
        System.err.println("TornadoVM device: " + dev.deviceName());
    }

    @AfterAll
    static void close() {
        dev.close();
    }

    private Tensor rand(int... shape) {
        int n = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) rnd.nextGaussian();
        return Tensor.of(v, shape);
    }

    /** A BF16 tensor in a native segment, as a mapped checkpoint gives. */
    private Tensor randBf16(int... shape) {
        float[] v = rand(shape).toFloatArray();
        MemorySegment seg = Arena.ofAuto().allocate(v.length * 2L);
        for (int i = 0; i < v.length; i++) seg.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i * 2L, Tensor.floatToBf16(v[i]));
        return Tensor.ofSegment(seg, DType.BF16, shape);
    }

    private static void close(Tensor expected, Tensor actual, double tol, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        float[] e = expected.toFloatArray(), a = actual.toFloatArray();
        for (int i = 0; i < e.length; i++) {
            if (Float.isNaN(e[i]) || Float.isInfinite(e[i])) {
                assertEquals(e[i], a[i], what + " at " + i);
                continue;
            }
            double err = Math.abs(e[i] - a[i]);
            if (err > tol * (1 + Math.abs(e[i]))) fail(what + ": element " + i + " expected " + e[i] + " but got " + a[i]);
        }
    }

    @Test
    void linearOverShapeGridWithAndWithoutBias() {
        int[][] mnk = {{1, 1, 1}, {1, 7, 5}, {3, 17, 33}, {16, 16, 16}, {19, 40, 70}, {33, 9, 130}, {1, 64, 256}};
        for (int[] s : mnk) {
            for (boolean withBias : new boolean[] {false, true}) {
                Tensor x = rand(s[0], s[2]), w = rand(s[1], s[2]), b = withBias ? rand(s[1]) : null;
                Tensor ref = REF.linear(x, w, b);
                String what = "linear " + Arrays.toString(s) + (withBias ? " +bias" : "");
                close(ref, dev.linear(x, w, b), 1e-4, what + " (streamed weight)");
                close(ref, dev.linear(x, w, b), 1e-4, what + " (resident weight)");
                Tensor x2 = rand(2 * s[0] + 5, s[2]); // more rows than the resident plan was built for
                close(REF.linear(x2, w, b), dev.linear(x2, w, b), 1e-4, what + " (resident weight, grown input)");
                close(ref, dev.linear(x, w, b), 1e-4, what + " (resident weight, again)");
            }
        }
    }

    @Test
    void linearBatchedInputAndBf16SegmentWeight() {
        Tensor x = rand(2, 3, 24), w = randBf16(10, 24), b = randBf16(10);
        for (int i = 0; i < 3; i++) close(REF.linear(x, w, b), dev.linear(x, w, b), 1e-4, "bf16 linear, call " + i);
        // a new view of the same weight bytes hits the resident copy and still computes right
        Tensor view = w.transpose(0, 1).transpose(0, 1);
        close(REF.linear(x, w, b), dev.linear(x, view, b), 1e-4, "bf16 linear through a re-created view");
    }

    @Test
    void batchedAttentionMatmuls() {
        int bsz = 2, h = 3, m = 5, d = 8, n = 7;
        Tensor q = rand(bsz, h, m, d), k = rand(bsz, h, n, d), v = rand(bsz, h, n, d);
        Tensor scores = REF.matmul(q, k.transpose(-1, -2));
        close(scores, dev.matmul(q, k.transpose(-1, -2)), 1e-4, "Q·Kᵀ (transposed view)");
        Tensor p = REF.softmax(scores, null);
        close(REF.matmul(p, v), dev.matmul(p, v), 1e-4, "P·V");
        Tensor p1 = rand(1, 1), p2 = rand(1, 1);
        close(REF.matmul(p1, p2), dev.matmul(p1, p2), 1e-5, "1×1 matmul");
        Tensor a = rand(17, 33), b2 = rand(33, 19);
        close(REF.matmul(a, b2), dev.matmul(a, b2), 1e-4, "2-D 17×33·33×19");
        Tensor a3 = rand(4, 17, 33);
        close(REF.matmul(a3, b2), dev.matmul(a3, b2), 1e-4, "batched · shared 2-D");
        close(REF.matmul(b2.transpose(0, 1), a3.transpose(-1, -2)), dev.matmul(b2.transpose(0, 1), a3.transpose(-1, -2)), 1e-4, "shared 2-D · batched transposed");
        Tensor partial = rand(2, 1, 5, 8), full = rand(2, 3, 8, 4);
        close(REF.matmul(partial, full), dev.matmul(partial, full), 1e-4, "partially broadcast batch (CPU fallback)");
    }

    /** The default device here is a CPU (PoCL), which gets the direct GEMM; force the other kernel too. */
    @Test
    void bothGemmKernelsOnTheSameGrid() {
        for (String kernel : new String[] {"tiled", "direct"}) {
            System.setProperty("lora4j.tornadovm.gemm", kernel);
            try (TornadoVmBackend be = new TornadoVmBackend(2, dev.residentActivations())) {
                for (int[] s : new int[][] {{1, 1, 1}, {3, 17, 33}, {19, 40, 70}, {33, 9, 130}}) {
                    Tensor x = rand(s[0], s[2]), w = rand(s[1], s[2]), b = rand(s[1]);
                    for (int call = 0; call < 2; call++) close(REF.linear(x, w, b), be.linear(x, w, b), 1e-4, kernel + " linear " + Arrays.toString(s));
                }
                Tensor q = rand(2, 3, 5, 8), k = rand(2, 3, 7, 8), v = rand(2, 3, 7, 8);
                close(REF.matmul(q, k.transpose(-1, -2)), be.matmul(q, k.transpose(-1, -2)), 1e-4, kernel + " Q·Kᵀ");
                close(REF.matmul(REF.matmul(q, k.transpose(-1, -2)), v), be.matmul(REF.matmul(q, k.transpose(-1, -2)), v), 1e-4, kernel + " P·V");
                Tensor a3 = rand(4, 17, 33), b2 = rand(33, 19);
                close(REF.matmul(a3, b2), be.matmul(a3, b2), 1e-4, kernel + " batched · shared 2-D");
            } finally {
                System.clearProperty("lora4j.tornadovm.gemm");
            }
        }
    }

    @Test
    void elementwiseWithBroadcasting() {
        Tensor x = rand(3, 5, 7);
        Tensor[] others = {rand(3, 5, 7), rand(7), rand(5, 7), rand(1, 1, 7), Tensor.scalar(1.5f), rand(3, 1, 7), rand(5, 1)};
        for (Tensor o : others) {
            close(REF.add(x, o), dev.add(x, o), 1e-6, "add " + Arrays.toString(o.shape()));
            close(REF.mul(o, x), dev.mul(o, x), 1e-6, "mul " + Arrays.toString(o.shape()));
        }
        Tensor t = x.transpose(1, 2);
        Tensor y = rand(3, 7, 5);
        close(REF.add(t, y), dev.add(t, y), 1e-6, "add of a transposed view");
        Tensor one = rand(1);
        close(REF.mul(one, one), dev.mul(one, one), 1e-6, "1-element");
    }

    @Test
    void unaryActivations() {
        float[] v = new float[1001];
        for (int i = 0; i < v.length; i++) v[i] = -10f + 20f * i / (v.length - 1);
        Tensor x = Tensor.of(v, 7, 143);
        close(REF.scale(x, -0.37f), dev.scale(x, -0.37f), 1e-6, "scale");
        close(REF.relu(x), dev.relu(x), 0, "relu");
        close(REF.gelu(x), dev.gelu(x), 2e-6, "gelu (erf)");
        close(REF.geluTanh(x), dev.geluTanh(x), 2e-6, "gelu tanh");
        close(REF.silu(x), dev.silu(x), 2e-6, "silu");
        Tensor r = rand(3);
        close(REF.gelu(r), dev.gelu(r), 2e-6, "gelu 3 elements");
    }

    @Test
    void softmaxAndLogSoftmax() {
        Tensor x = rand(2, 3, 5, 9);
        close(REF.softmax(x, null), dev.softmax(x, null), 1e-6, "softmax");
        close(REF.logSoftmax(x), dev.logSoftmax(x), 1e-5, "logSoftmax");
        Tensor posBias = rand(3, 5, 9);
        close(REF.softmax(x, posBias), dev.softmax(x, posBias), 1e-6, "softmax + trailing bias");
        float[] mask = new float[9];
        for (int j = 5; j < 9; j++) mask[j] = Float.NEGATIVE_INFINITY;
        close(REF.softmax(x, Tensor.of(mask, 9)), dev.softmax(x, Tensor.of(mask, 9)), 1e-6, "softmax + -inf mask");
        float[] all = new float[9];
        Arrays.fill(all, Float.NEGATIVE_INFINITY);
        close(REF.softmax(x, Tensor.of(all, 9)), dev.softmax(x, Tensor.of(all, 9)), 0, "fully masked rows give zeros");
        Tensor colMask = rand(2, 1, 1, 9);
        close(REF.softmax(x, colMask), dev.softmax(x, colMask), 1e-6, "softmax + [B,1,1,N] mask (CPU fallback)");
        Tensor one = rand(1, 1);
        close(REF.softmax(one, null), dev.softmax(one, null), 0, "1×1");
    }

    @Test
    void layerNormAndRmsNorm() {
        for (int[] s : new int[][] {{1, 1}, {1, 7}, {4, 33}, {2, 3, 64}}) {
            Tensor x = rand(s), g = rand(s[s.length - 1]), b = rand(s[s.length - 1]);
            close(REF.layerNorm(x, g, b, 1e-5f), dev.layerNorm(x, g, b, 1e-5f), 2e-5, "layerNorm " + Arrays.toString(s));
            close(REF.layerNorm(x, g, null, 1e-6f), dev.layerNorm(x, g, null, 1e-6f), 2e-5, "layerNorm no beta " + Arrays.toString(s));
            close(REF.rmsNorm(x, g, 1e-6f), dev.rmsNorm(x, g, 1e-6f), 2e-5, "rmsNorm " + Arrays.toString(s));
        }
    }

    @Test
    void loraMerge() {
        for (int[] s : new int[][] {{1, 1, 1}, {7, 5, 2}, {33, 17, 4}, {40, 64, 8}}) {
            Tensor w = randBf16(s[0], s[1]), b = rand(s[0], s[2]), a = rand(s[2], s[1]);
            for (int call = 0; call < 3; call++) {
                Tensor b2 = rand(s[0], s[2]);
                close(REF.addLowRank(w, 0.5f, b2, a), dev.addLowRank(w, 0.5f, b2, a), 1e-5, "addLowRank " + Arrays.toString(s) + " call " + call);
            }
            close(REF.addLowRank(w, 2f, b, a), dev.addLowRank(w, 2f, b, a), 1e-5, "addLowRank s=2");
        }
    }

    @Test
    void loraHubComposition() {
        Tensor[] modules = {rand(8, 33), rand(8, 33), rand(8, 33), rand(8, 33), rand(8, 33)};
        for (int call = 0; call < 3; call++) {
            float[] w = new float[modules.length];
            for (int i = 0; i < w.length; i++) w[i] = (float) rnd.nextGaussian();
            close(REF.weightedSum(w, modules), dev.weightedSum(w, modules), 1e-5, "Σ wᵢAᵢ call " + call);
        }
        Tensor[] single = {rand(1)};
        close(REF.weightedSum(new float[] {0.3f}, single), dev.weightedSum(new float[] {0.3f}, single), 1e-6, "one module of one element");
    }

    @Test
    void gloraReparameterization() {
        int o = 19, in = 23;
        Tensor w0 = randBf16(o, in);
        Tensor[] as = {null, rand(o, in), rand(o, 1), Tensor.scalar(0.7f), rand(1, in)};
        Tensor[] bs = {null, rand(o, in), rand(o, 1), Tensor.scalar(-0.2f)};
        for (Tensor a : as) {
            for (Tensor b : bs) {
                String what = "glora A " + (a == null ? "none" : Arrays.toString(a.shape())) + ", B " + (b == null ? "none" : Arrays.toString(b.shape()));
                close(REF.gloraWeight(w0, a, b), dev.gloraWeight(w0, a, b), 1e-6, what);
            }
        }
        assertTrue(dev.cachedPlans() > 0);
    }

    @Test
    void cpuOpsStillWork() {
        Tensor x = rand(3, 11);
        assertArrayEquals(REF.argmax(x), dev.argmax(x));
        close(REF.embedding(x, new int[] {2, 0}), dev.embedding(x, new int[] {2, 0}), 0, "embedding");
        assertEquals("tornadovm", dev.name());
    }
}
