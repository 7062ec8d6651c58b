package io.lora4j.engine.cpu;

import static io.lora4j.engine.cpu.TestTensors.assertClose;
import static io.lora4j.engine.cpu.TestTensors.paddedView;
import static io.lora4j.engine.cpu.TestTensors.rand;
import static io.lora4j.engine.cpu.TestTensors.transposedView;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.lora4j.engine.Backend;
import io.lora4j.engine.CpuBackend;
import io.lora4j.engine.ScalarBackend;
import io.lora4j.engine.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link Attention} (CpuBackend's fused attention) against {@link Backend#attention}'s reference composition on
 * {@link ScalarBackend} (matmul, softmax with bias, matmul; double accumulation) over a grid: 1 to 33 query rows
 * (both the dot/axpy path below {@link Attention#TILED_ROWS} rows and the register-tile path, with tails of 1 to 3 rows), 1 to 130
 * keys (vector tails), head sizes 1, 3, L, 2L, 2L + 3 and 64 (the padded and the in-place v paths), 1 to 5 heads,
 * batch 1 and 3; biases: none, a position bias [1, H, Tq, Tk], a padding mask [B, 1, 1, Tk] with -max float
 * entries and a fully -inf masked batch row (zeros), a causal mask [1, 1, Tq, Tk], a materialized
 * [B, H, Tq, Tk] bias read through a transposed view; q as a padded view (row stride > width, offset), k and v
 * as a narrowed KV cache [B, capacity, H·d], and k through {@link Backend#attentionKeys} (the CPU backend's kᵀ layout,
 * read in place by decoding steps).
 *
 * <p>Tolerance |cpu − ref| ≤ atol + 1e-4·|ref| with atol = 4 · 2e-6·√n·(1 + √n/8), n = max(d, Tk): the
 * CpuBackend's F32 summation error of the scores (n = d terms) carried through the softmax, plus that of the
 * probability-weighted sum (Tk terms); inputs in [-1, 1].
 */
class AttentionDifferentialTest {
    static final int L = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length();
    static final ScalarBackend REF = new ScalarBackend();
    static Backend cpu1, cpu3;

    @BeforeAll
    static void open() {
        cpu1 = new CpuBackend(1);
        cpu3 = new CpuBackend(3);
    }

    @AfterAll
    static void close() {
        cpu1.close();
        cpu3.close();
    }

    static double atol(int d, int tk) {
        double s = Math.sqrt(Math.max(1, Math.max(d, tk)));
        return 4 * 2e-6 * s * (1 + s / 8);
    }

    @Test
    void fusedAttentionMatchesReferenceGrid() {
        SplittableRandom rnd = new SplittableRandom(11);
        int[] ds = {1, 3, L, 2 * L, 2 * L + 3, 64};
        int[][] tqk = {{1, 1}, {1, 7}, {1, 130}, {2, 3}, {3, 2 * L + 1}, {4, 4}, {5, 33}, {9, 1}, {14, 2 * L}, {33, 130}, {6, 8}, {7, 128}};
        for (int d : ds) {
            for (int[] c : tqk) {
                int b = rnd.nextBoolean() ? 1 : 3, heads = 1 + rnd.nextInt(5), tq = c[0], tk = c[1], dm = heads * d;
                Tensor q = rand(rnd, b, tq, dm);
                int cap = tk + 2;
                Tensor kCache = rand(rnd, b, cap, dm), vCache = rand(rnd, b, cap, dm);
                Tensor k = kCache.narrow(1, 0, tk), v = vCache.narrow(1, 0, tk);
                Tensor kc = k.contiguous(), vc = v.contiguous();
                Tensor pos = rand(rnd, 1, heads, tq, tk);
                float[] m = new float[b * tk];
                for (int i = 0; i < m.length; i++) m[i] = rnd.nextInt(4) == 0 ? -Float.MAX_VALUE : 0f;
                if (b > 1) Arrays.fill(m, 0, tk, Float.NEGATIVE_INFINITY); // batch row 0 attends to nothing → zeros
                Tensor mask = Tensor.of(m, b, 1, 1, tk);
                float[] cm = new float[tq * tk];
                for (int i = 0; i < tq; i++) for (int j = 0; j < tk; j++) cm[i * tk + j] = j > i + tk - tq ? -Float.MAX_VALUE : 0f;
                Tensor causal = Tensor.of(cm, 1, 1, tq, tk);
                Tensor both = REF.add(pos, mask);
                Tensor[] biases = {null, pos, mask, causal, both};
                for (int bi = 0; bi < biases.length; bi++) {
                    Tensor bias = biases[bi];
                    Tensor ref = REF.attention(q, kc, vc, bias, heads);
                    Tensor biasView = bi == 4 ? transposedView(bias) : bias;
                    for (Backend be : List.of(cpu1, cpu3)) {
                        String what = "attention b=" + b + " heads=" + heads + " d=" + d + " tq=" + tq + " tk=" + tk + " bias#" + bi + " threads=" + be.threads();
                        assertClose(what, ref, be.attention(q, kc, vc, bias, heads), atol(d, tk), 1e-4);
                        assertClose(what + " (views)", ref, be.attention(paddedView(q), k, v, biasView, heads), atol(d, tk), 1e-4);
                        assertClose(what + " (attentionKeys)", ref, be.attention(q, be.attentionKeys(k), v, bias, heads), atol(d, tk), 1e-4);
                    }
                }
            }
        }
    }

    @Test
    void manyRowsFewHeadsSplitsRowsAcrossThreads() {
        // 1 batch row × 1 head, 70 query rows: the parallel path splits the rows into blocks
        SplittableRandom rnd = new SplittableRandom(12);
        Tensor q = rand(rnd, 1, 70, 64), k = rand(rnd, 1, 129, 64), v = rand(rnd, 1, 129, 64), pos = rand(rnd, 1, 1, 70, 129);
        Tensor ref = REF.attention(q, k, v, pos, 1);
        assertClose("1 head, 70 rows", ref, cpu3.attention(q, k, v, pos, 1), atol(64, 129), 1e-4);
        assertClose("1 head, 70 rows, 1 thread", ref, cpu1.attention(q, k, v, pos, 1), atol(64, 129), 1e-4);
    }

    @Test
    void badShapesAreErrors() {
        Tensor q = Tensor.zeros(1, 2, 8), k = Tensor.zeros(1, 3, 8);
        assertThrows(IllegalArgumentException.class, () -> cpu1.attention(q, k, k, null, 3));              // 8 columns, 3 heads
        assertThrows(IllegalArgumentException.class, () -> cpu1.attention(q, Tensor.zeros(1, 3, 4), k, null, 2)); // k width
        assertThrows(IllegalArgumentException.class, () -> cpu1.attention(q, k, Tensor.zeros(1, 4, 8), null, 2)); // v length
        assertThrows(IllegalArgumentException.class, () -> cpu1.attention(q, k, k, Tensor.zeros(1, 2, 2, 4), 2)); // bias
        assertThrows(IllegalArgumentException.class, () -> REF.attention(Tensor.zeros(2, 8), k, k, null, 2));     // rank
    }
}
