package io.lora4j.engine.cpu;

import static io.lora4j.engine.cpu.TestTensors.asSegment;
import static io.lora4j.engine.cpu.TestTensors.assertClose;
import static io.lora4j.engine.cpu.TestTensors.paddedView;
import static io.lora4j.engine.cpu.TestTensors.rand;
import static io.lora4j.engine.cpu.TestTensors.transposedView;
import static io.lora4j.engine.cpu.TestTensors.weight;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lora4j.engine.Backend;
import io.lora4j.engine.CpuBackend;
import io.lora4j.engine.DType;
import io.lora4j.engine.ScalarBackend;
import io.lora4j.engine.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every op of {@link CpuBackend} against {@link ScalarBackend} over a grid of shapes: odd sizes,
 * vector tails (sizes around the vector width {@code L}), single rows, K not a multiple of L, K past
 * the GEMM's KC block, F32/BF16/F16 weights (heap and segment), transposed, narrowed and padded views.
 *
 * <p>Tolerances, |cpu − ref| ≤ atol + rtol·|ref| (the reference accumulates in double, the CPU
 * backend in F32 vector lanes in a different order):
 * <ul>
 *   <li>linear, matmul, addLowRank (inputs in [-1, 1]): atol 2e-6·√K·(1 + √K/8), rtol 1e-5 —
 *       F32 summation error over K terms;</li>
 *   <li>add, mul, scale, relu, embedding, im2col, concat: exact (one rounding, same as the reference);</li>
 *   <li>gelu (rational erf, max abs error 4.2e-7), geluTanh, silu: atol 2e-6, rtol 1e-5;</li>
 *   <li>softmax: atol 1e-6, rtol 1e-5; logSoftmax, crossEntropy: atol 1e-5, rtol 1e-5;</li>
 *   <li>layerNorm, rmsNorm: atol 1e-5, rtol 1e-5; argmax, topk indices: exact.</li>
 * </ul>
 */
class CpuBackendDifferentialTest {
    static final int L = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length();
    static final ScalarBackend REF = new ScalarBackend();
    static Backend cpu1, cpu3;

    @BeforeAll
    static void open() {
        cpu1 = new CpuBackend(1);
        cpu3 = new CpuBackend(3); // more workers than cores: exercises hand-off and dynamic scheduling
    }

    @AfterAll
    static void close() {
        cpu1.close();
        cpu3.close();
    }

    static List<Backend> cpus() {
        return List.of(cpu1, cpu3);
    }

    static double gemmAtol(int k) {
        double s = Math.sqrt(Math.max(1, k));
        return 2e-6 * s * (1 + s / 8);
    }

    // ------------------------------------------------------------------ linear

    @Test
    void linearGridAllWeightDtypes() {
        SplittableRandom rnd = new SplittableRandom(1);
        int[] ms = {1, 2, 5, 8, 9, 37};
        int[] ns = {1, 3, 17, 2 * L + 1, 64};
        int[] ks = {1, L - 1, L + 1, 2 * L + 3, 100, 300};
        for (String kind : new String[] {"heap", "segF32", "bf16", "f16"}) {
            for (int m : ms) for (int n : ns) for (int k : ks) {
                Tensor x = rand(rnd, m, k);
                Tensor w = weight(rand(rnd, n, k), kind);
                Tensor bias = (m + n) % 2 == 0 ? rand(rnd, n) : null;
                Tensor ref = REF.linear(x, w, bias);
                for (Backend b : cpus()) {
                    assertClose("linear " + kind + " m=" + m + " n=" + n + " k=" + k + " threads=" + b.threads(), ref, b.linear(x, w, bias), gemmAtol(k), 1e-5);
                }
            }
        }
    }

    @Test
    void linearLargeBlocksAndRank3Input() {
        SplittableRandom rnd = new SplittableRandom(2);
        // crosses MC (96 rows), KC (256), several tasks; a rank-3 input [2, 61, K]
        int[][] cases = {{1, 100, 40, 270}, {2, 7, 33, 300}, {1, 9, 4200, 8}, {1, 4, 4100, 40}, {1, 13, 33, 513}};
        for (int[] c : cases) {
            Tensor x = rand(rnd, c[0], c[1], c[3]);
            for (String kind : new String[] {"heap", "bf16"}) {
                Tensor w = weight(rand(rnd, c[2], c[3]), kind);
                Tensor bias = rand(rnd, c[2]);
                Tensor ref = REF.linear(x, w, bias);
                for (Backend b : cpus()) assertClose("linear " + kind + " " + java.util.Arrays.toString(c), ref, b.linear(x, w, bias), gemmAtol(c[3]), 1e-5);
            }
        }
    }

    @Test
    void linearsOfSharedInputMatchLinearEach() {
        // one GEMV job over several weights' rows (Gemv.runMany): mixed storage kinds, row counts that are not
        // multiples of 4 (chunks start inside a weight), with and without bias; 9..256 rows: X packed once and
        // one SkinnyGemm job over all weights' row tiles (tasks that span weight boundaries); past 256 one linear each
        SplittableRandom rnd = new SplittableRandom(8);
        String[] kinds = {"heap", "bf16", "segF32", "f16", "bf16"};
        int[] ns = {37, 401, 130, 600, 3};
        for (int k : new int[] {2 * L + 3, 300}) {
            for (int m : new int[] {1, 3, 8, 9, 2 * L + 1, SkinnyGemm.MAX_ROWS, SkinnyGemm.MAX_ROWS + 1}) {
                Tensor x = rand(rnd, m, k);
                Tensor[] ws = new Tensor[ns.length], bs = new Tensor[ns.length];
                for (int i = 0; i < ns.length; i++) {
                    ws[i] = weight(rand(rnd, ns[i], k), kinds[i]);
                    bs[i] = i % 2 == 0 ? rand(rnd, ns[i]) : null;
                }
                for (Backend b : cpus()) {
                    Tensor[] got = b.linears(x, ws, bs);
                    Tensor[] noBias = b.linears(x, ws, null);
                    for (int i = 0; i < ns.length; i++) {
                        String what = "linears #" + i + " " + kinds[i] + " m=" + m + " k=" + k + " threads=" + b.threads();
                        assertClose(what, REF.linear(x, ws[i], bs[i]), got[i], gemmAtol(k), 1e-5);
                        assertClose(what + " no bias", REF.linear(x, ws[i], null), noBias[i], gemmAtol(k), 1e-5);
                    }
                }
            }
        }
    }

    @Test
    void linearSkinnyAndBlockedGemmPaths() {
        // m past GEMV (8 rows) up to SkinnyGemm.MAX_ROWS takes SkinnyGemm (X panels of NR = 2L rows,
        // a half-width kernel for a last panel of ≤ L rows, W tiles of 6 rows, K blocks of SkinnyGemm.KC = 512);
        // above it the blocked Gemm. Rows around L, 2L, the switch point; n not a multiple of 6.
        SplittableRandom rnd = new SplittableRandom(7);
        int[] ms = {9, L, L + 1, 2 * L - 2, 2 * L, 2 * L + L, 3 * L + 5, SkinnyGemm.MAX_ROWS, SkinnyGemm.MAX_ROWS + 1, 300};
        // n = 100 and 61: more W row tiles than SkinnyGemm.GRAIN, so 2 threads split them into several guided tasks
        int[][] nks = {{13, 300}, {7, 2 * L + 3}, {20, 513}, {100, 300}, {61, 40}, {11, 2 * SkinnyGemm.KC + 7}};
        for (String kind : new String[] {"heap", "segF32", "bf16", "f16"}) {
            for (int m : ms) for (int[] nk : nks) {
                Tensor x = rand(rnd, m, nk[1]);
                Tensor w = weight(rand(rnd, nk[0], nk[1]), kind);
                Tensor bias = m % 2 == 0 ? rand(rnd, nk[0]) : null;
                Tensor ref = REF.linear(x, w, bias);
                for (Backend b : cpus()) {
                    assertClose("linear " + kind + " m=" + m + " n=" + nk[0] + " k=" + nk[1] + " threads=" + b.threads(), ref, b.linear(x, w, bias), gemmAtol(nk[1]), 1e-5);
                }
            }
        }
    }

    @Test
    void skinnyGemmGuidedChunks() {
        // every tile in exactly one task, in order; sizes never grow; none below GRAIN but the last
        for (int threads : new int[] {1, 2, 3, 8}) {
            for (int tiles : new int[] {1, 3, 4, 5, 17, 171, 470}) {
                int[] b = SkinnyGemm.chunks(tiles, threads);
                assertEquals(0, b[0], "first bound");
                assertEquals(tiles, b[b.length - 1], "last bound");
                for (int i = 1; i < b.length; i++) {
                    int size = b[i] - b[i - 1];
                    assertTrue(size >= 1, "empty chunk " + Arrays.toString(b));
                    if (i < b.length - 1) assertTrue(size >= Math.min(tiles, SkinnyGemm.GRAIN), "small chunk " + Arrays.toString(b));
                    if (i > 1) assertTrue(size <= b[i - 1] - b[i - 2], "growing chunk " + Arrays.toString(b));
                }
                if (threads > 1 && tiles >= 4 * threads * SkinnyGemm.GRAIN) assertTrue(b.length - 1 >= 2 * threads, "too few tasks " + Arrays.toString(b));
            }
        }
    }

    @Test
    void linearViews() {
        SplittableRandom rnd = new SplittableRandom(3);
        for (int m : new int[] {1, 4, 11}) {
            Tensor x = rand(rnd, m, 37);
            Tensor w = rand(rnd, 23, 37);
            Tensor ref = REF.linear(x, w, null);
            for (Backend b : cpus()) {
                assertClose("linear transposed x", ref, b.linear(transposedView(x), w, null), gemmAtol(37), 1e-5);
                assertClose("linear transposed W", ref, b.linear(x, transposedView(w), null), gemmAtol(37), 1e-5);
                assertClose("linear padded x, W", ref, b.linear(paddedView(x), paddedView(w), null), gemmAtol(37), 1e-5);
                // rows 3..9 of a larger weight: a narrowed view with offset
                Tensor big = rand(rnd, 30, 37);
                Tensor part = big.narrow(0, 3, 7);
                assertClose("linear narrowed W", REF.linear(x, part, null), b.linear(x, part, null), gemmAtol(37), 1e-5);
                Tensor partBf16 = asSegment(big, DType.BF16).narrow(0, 3, 7);
                assertClose("linear narrowed bf16 W", REF.linear(x, partBf16, null), b.linear(x, partBf16, null), gemmAtol(37), 1e-5);
            }
        }
    }

    // ------------------------------------------------------------------ batched matmul

    @Test
    void matmulGridWithBroadcastAndTransposedOperands() {
        SplittableRandom rnd = new SplittableRandom(4);
        int[][] mnk = new int[0][];
        for (int m : new int[] {1, 2, 7, 20}) for (int n : new int[] {1, L + 3, 40}) for (int k : new int[] {1, L + 1, 64}) {
            mnk = java.util.Arrays.copyOf(mnk, mnk.length + 1);
            mnk[mnk.length - 1] = new int[] {m, n, k};
        }
        mnk = java.util.Arrays.copyOf(mnk, mnk.length + 2);
        mnk[mnk.length - 2] = new int[] {13, 33, 300}; // K past the KC block
        mnk[mnk.length - 1] = new int[] {2, 5, 300};
        for (int[] c : mnk) {
            int m = c[0], n = c[1], k = c[2];
            Tensor a = rand(rnd, 2, 3, m, k);
            Tensor bPlain = rand(rnd, 2, 3, k, n);
            Tensor bT = rand(rnd, 2, 3, n, k).transpose(-1, -2);   // Q·Kᵀ style
            Tensor bBcast = rand(rnd, 1, 3, k, n);                 // broadcast batch
            Tensor b2 = rand(rnd, k, n);                           // rank 2, broadcast over both
            Tensor aT = transposedView(a);
            for (Tensor b : new Tensor[] {bPlain, bT, bBcast, b2}) {
                Tensor ref = REF.matmul(a, b);
                for (Backend be : cpus()) {
                    String what = "matmul m=" + m + " n=" + n + " k=" + k + " b=" + java.util.Arrays.toString(b.shape());
                    assertClose(what, ref, be.matmul(a, b), gemmAtol(k), 1e-5);
                    assertClose(what + " aT", ref, be.matmul(aT, b), gemmAtol(k), 1e-5);
                }
            }
        }
    }

    // ------------------------------------------------------------------ elementwise

    @Test
    void addMulBroadcastGrid() {
        SplittableRandom rnd = new SplittableRandom(5);
        int[][][] pairs = {
            {{5, 7}, {7}}, {{2, 3, 33}, {2, 1, 33}}, {{4, 1}, {1, 5}}, {{3}, {}}, {{}, {}}, {{3, 17}, {3, 17}},
            {{1}, {L + 1}}, {{2, 1, 9}, {3, 1}}, {{70001}, {70001}}, {{300, 257}, {257}}, {{2, L * 3 + 1}, {2, 1}},
        };
        for (int[][] p : pairs) {
            Tensor a = rand(rnd, p[0]), b = rand(rnd, p[1]);
            for (Backend be : cpus()) {
                String what = java.util.Arrays.toString(p[0]) + " with " + java.util.Arrays.toString(p[1]);
                assertClose("add " + what, REF.add(a, b), be.add(a, b), 0, 0);
                assertClose("mul " + what, REF.mul(a, b), be.mul(a, b), 0, 0);
                assertClose("add transposed " + what, REF.add(a, b), be.add(transposedView(a), b), 0, 0);
                assertClose("mul padded " + what, REF.mul(a, b), be.mul(a.rank() > 0 ? paddedView(a) : a, b), 0, 0);
                if (a.rank() > 0) assertClose("add bf16 " + what, REF.add(asSegment(a, DType.BF16), b), be.add(asSegment(a, DType.BF16), b), 0, 0);
            }
        }
    }

    @Test
    void unaryActivations() {
        SplittableRandom rnd = new SplittableRandom(6);
        for (int[] shape : new int[][] {{1}, {L - 1}, {17}, {3, 2 * L + 5}, {70001}}) {
            int n = java.util.Arrays.stream(shape).reduce(1, (a, b) -> a * b);
            Tensor x = Tensor.of(TestTensors.uniform(rnd, n, -7, 7), shape);
            Tensor xv = shape.length == 2 ? transposedView(x) : x;
            for (Backend b : cpus()) {
                String s = java.util.Arrays.toString(shape);
                assertClose("scale " + s, REF.scale(x, -0.37f), b.scale(xv, -0.37f), 0, 0);
                assertClose("relu " + s, REF.relu(x), b.relu(xv), 0, 0);
                assertClose("gelu " + s, REF.gelu(x), b.gelu(xv), 2e-6, 1e-5);
                assertClose("geluTanh " + s, REF.geluTanh(x), b.geluTanh(xv), 2e-6, 1e-5);
                assertClose("silu " + s, REF.silu(x), b.silu(xv), 2e-6, 1e-5);
            }
        }
        // large |x| (erf clamp, tanh saturation, exp overflow in silu)
        Tensor ext = Tensor.of(new float[] {-100f, -30f, -10f, -4.5f, 0f, 1e-8f, 4.5f, 10f, 30f, 100f}, 10);
        for (Backend b : cpus()) {
            assertClose("gelu extremes", REF.gelu(ext), b.gelu(ext), 2e-6, 1e-5);
            assertClose("geluTanh extremes", REF.geluTanh(ext), b.geluTanh(ext), 2e-6, 1e-5);
            assertClose("silu extremes", REF.silu(ext), b.silu(ext), 2e-6, 1e-5);
        }
    }

    // ------------------------------------------------------------------ rows

    @Test
    void softmaxWithMasksAndBias() {
        SplittableRandom rnd = new SplittableRandom(7);
        for (int d : new int[] {1, 3, L, L + 1, 17, 100, 1000}) {
            Tensor x = Tensor.of(TestTensors.uniform(rnd, 2 * 3 * 5 * d, -10, 10), 2, 3, 5, d);
            float[] mask = new float[2 * d];
            for (int i = 0; i < mask.length; i++) mask[i] = rnd.nextInt(4) == 0 ? Float.NEGATIVE_INFINITY : 0f;
            java.util.Arrays.fill(mask, 0, d, Float.NEGATIVE_INFINITY); // batch 0: fully masked rows → zeros
            Tensor m = Tensor.of(mask, 2, 1, 1, d);
            Tensor pos = rand(rnd, 1, 3, 5, d);
            for (Backend b : cpus()) {
                assertClose("softmax d=" + d, REF.softmax(x, null), b.softmax(x, null), 1e-6, 1e-5);
                assertClose("softmax mask d=" + d, REF.softmax(x, m), b.softmax(x, m), 1e-6, 1e-5);
                assertClose("softmax bias d=" + d, REF.softmax(x, pos), b.softmax(transposedView(x), pos), 1e-6, 1e-5);
                assertClose("logSoftmax d=" + d, REF.logSoftmax(x), b.logSoftmax(x), 1e-5, 1e-5);
            }
        }
    }

    @Test
    void layerNormAndRmsNorm() {
        SplittableRandom rnd = new SplittableRandom(8);
        for (int d : new int[] {1, 7, L, 2 * L + 3, 512, 769}) {
            for (int rows : new int[] {1, 3, 50}) {
                Tensor x = Tensor.of(TestTensors.uniform(rnd, rows * d, -3, 5), rows, d);
                Tensor g = rand(rnd, d), beta = rand(rnd, d);
                Tensor gBf16 = asSegment(g, DType.BF16);
                for (Backend b : cpus()) {
                    String s = "rows=" + rows + " d=" + d;
                    assertClose("layerNorm " + s, REF.layerNorm(x, g, beta, 1e-5f), b.layerNorm(x, g, beta, 1e-5f), 1e-5, 1e-5);
                    assertClose("layerNorm no beta " + s, REF.layerNorm(x, g, null, 1e-6f), b.layerNorm(paddedView(x), g, null, 1e-6f), 1e-5, 1e-5);
                    assertClose("rmsNorm " + s, REF.rmsNorm(x, gBf16, 1e-6f), b.rmsNorm(transposedView(x), gBf16, 1e-6f), 1e-5, 1e-5);
                }
            }
        }
    }

    @Test
    void argmaxTopkCrossEntropy() {
        SplittableRandom rnd = new SplittableRandom(9);
        for (int d : new int[] {1, 5, L + 1, 100, 32128}) {
            int rows = d > 1000 ? 3 : 9;
            float[] v = TestTensors.uniform(rnd, rows * d, -5, 5);
            for (int i = 0; i < v.length; i += 3) v[i] = Math.round(v[i]); // ties
            Tensor x = Tensor.of(v, rows, d);
            int[] labels = new int[rows];
            for (int r = 0; r < rows; r++) labels[r] = r % 4 == 1 ? -100 : rnd.nextInt(d);
            for (Backend b : cpus()) {
                assertArrayEquals(REF.argmax(x), b.argmax(transposedView(x)), "argmax d=" + d);
                for (int k : new int[] {0, 1, Math.min(d, 4), Math.min(d, 13)}) {
                    Backend.TopK e = REF.topk(x, k), g = b.topk(x, k);
                    assertArrayEquals(e.indices(), g.indices(), "topk indices d=" + d + " k=" + k);
                    assertArrayEquals(e.values(), g.values(), "topk values d=" + d + " k=" + k);
                }
                Backend.CrossEntropy e = REF.crossEntropy(x, labels, -100), g = b.crossEntropy(x, labels, -100);
                assertClose("crossEntropy per row d=" + d, e.perRow(), g.perRow(), 1e-5, 1e-5);
                assertEquals(e.count(), g.count());
                assertEquals(e.sum(), g.sum(), 1e-5 * rows + 1e-5 * Math.abs(e.sum()));
            }
        }
    }

    // ------------------------------------------------------------------ gather, data movement, adapters

    @Test
    void embeddingAllDtypesAndBadId() {
        SplittableRandom rnd = new SplittableRandom(10);
        Tensor table = rand(rnd, 50, 2 * L + 3);
        int[] ids = {0, 49, 7, 7, 23};
        for (String kind : new String[] {"heap", "segF32", "bf16", "f16"}) {
            Tensor t = weight(table, kind);
            for (Backend b : cpus()) {
                assertClose("embedding " + kind, REF.embedding(t, ids), b.embedding(t, ids), 0, 0);
                assertThrows(IndexOutOfBoundsException.class, () -> b.embedding(t, new int[] {3, 50}));
            }
        }
    }

    @Test
    void im2colAndConcat() {
        SplittableRandom rnd = new SplittableRandom(11);
        Tensor img = rand(rnd, 2, 3, 32, 48);
        for (Backend b : cpus()) {
            for (int p : new int[] {1, 4, 16}) assertClose("im2col p=" + p, REF.im2colPatches(img, p), b.im2colPatches(img, p), 0, 0);
            assertClose("im2col view", REF.im2colPatches(img, 16), b.im2colPatches(TestTensors.transposedView(img), 16), 0, 0);
            Tensor a = rand(rnd, 2, 3, 5), c = rand(rnd, 2, 4, 5);
            assertClose("concat", REF.concat(1, a, c), b.concat(1, a, transposedView(c)), 0, 0);
        }
    }

    @Test
    void addLowRankAllWeightDtypes() {
        SplittableRandom rnd = new SplittableRandom(12);
        for (int[] s : new int[][] {{1, 1, 1}, {7, 9, 2}, {33, 2 * L + 1, 8}, {64, 100, 16}}) {
            int o = s[0], in = s[1], r = s[2];
            Tensor w = rand(rnd, o, in), bm = rand(rnd, o, r), a = rand(rnd, r, in);
            for (String kind : new String[] {"heap", "bf16", "f16"}) {
                Tensor wk = weight(w, kind);
                Tensor ref = REF.addLowRank(wk, 0.7f, bm, a);
                for (Backend b : cpus()) {
                    assertClose("addLowRank " + kind + " " + java.util.Arrays.toString(s), ref, b.addLowRank(wk, 0.7f, bm, a), gemmAtol(r), 1e-5);
                    assertClose("addLowRank transposed A", ref, b.addLowRank(wk, 0.7f, bm, transposedView(a)), gemmAtol(r), 1e-5);
                }
            }
        }
    }

    @Test
    void weightedSumAndGloraWeight() {
        SplittableRandom rnd = new SplittableRandom(14);
        for (int[] shape : new int[][] {{1}, {8, 2 * L + 3}, {300, 257}}) {
            Tensor[] parts = new Tensor[7];
            float[] wts = TestTensors.uniform(rnd, parts.length, -2, 2);
            for (int i = 0; i < parts.length; i++) parts[i] = rand(rnd, shape);
            parts[2] = asSegment(parts[2], DType.BF16);
            if (shape.length == 2) parts[3] = transposedView(parts[3]);
            for (Backend b : cpus()) {
                // F32 FMAs vs the reference's double sum over 7 terms of |w·x| ≤ 2
                assertClose("weightedSum " + java.util.Arrays.toString(shape), REF.weightedSum(wts, parts), b.weightedSum(wts, parts), 1e-5, 1e-5);
            }
            assertThrows(IllegalArgumentException.class, () -> cpu3.weightedSum(new float[] {1f}, parts));
        }
        Tensor w0 = asSegment(rand(rnd, 9, 2 * L + 1), DType.BF16), a = rand(rnd, 9, 1), bb = rand(rnd, 9, 2 * L + 1);
        for (Backend b : cpus()) assertClose("gloraWeight", REF.gloraWeight(w0, a, bb), b.gloraWeight(w0, a, bb), 1e-6, 1e-6);
    }

    @Test
    void closedBackendStillComputesOnTheCaller() {
        SplittableRandom rnd = new SplittableRandom(13);
        Tensor x = rand(rnd, 40, 70), w = rand(rnd, 50, 70);
        Backend b = new CpuBackend(2);
        b.close();
        assertClose("linear after close", REF.linear(x, w, null), b.linear(x, w, null), gemmAtol(70), 1e-5);
    }

    @Test
    void threadsAndName() {
        assertEquals(3, cpu3.threads());
        assertEquals("cpu", cpu3.name());
        assertThrows(IllegalArgumentException.class, () -> new CpuBackend(0));
    }
}
