package io.lora4j.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lora4j.engine.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** {@link ScratchPool} keeps at most its bound, and {@link SkinnyGemm} stays exact when many threads share one pool. */
class ScratchPoolTest {
    @Test
    void keepsAtMostItsBoundAndReusesTheLastGivenBack() {
        ScratchPool<Object> pool = new ScratchPool<>(Object::new, 2);
        Object a = pool.borrow(), b = pool.borrow(), c = pool.borrow();
        assertNotSame(a, b);
        pool.giveBack(a);
        pool.giveBack(b);
        pool.giveBack(c); // over the bound: dropped
        assertEquals(2, pool.idle());
        assertSame(b, pool.borrow());
        assertSame(a, pool.borrow());
        assertEquals(0, pool.idle());
        assertNotSame(c, pool.borrow());
    }

    /**
     * Eight request threads on one 2-thread pool (one of them holds the workers at a time, the others run alone):
     * every result matches a double-precision reference (tolerance as CpuBackendDifferentialTest's linear:
     * atol 2e-6·√K·(1 + √K/8), rtol 1e-5), and afterwards the pool keeps no more scratch than its bounds,
     * however many threads called in.
     */
    @Test
    void skinnyGemmFromManyThreadsIsExactAndHoldsBoundedScratch() throws Exception {
        int k = 600, n = 70; // K past one KC block; n: 12 W row tiles, several guided tasks
        float[] w = rand(new SplittableRandom(1), n * k);
        MatrixRows rows = MatrixRows.of(Tensor.of(w, n, k));
        try (Parallel par = new Parallel(2); ExecutorService ex = Executors.newFixedThreadPool(8)) {
            List<Future<?>> fs = new ArrayList<>();
            for (int th = 0; th < 8; th++) {
                int seed = th;
                fs.add(ex.submit(() -> {
                    SplittableRandom r = new SplittableRandom(100 + seed);
                    for (int rep = 0; rep < 15; rep++) {
                        int m = 9 + r.nextInt(120);
                        float[] x = rand(r, m * k), c = new float[m * n];
                        SkinnyGemm.run(par, m, x, rows, c);
                        check(m, n, k, x, w, c);
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) f.get();
            assertTrue(par.skinnyCalls.idle() <= 2, "call scratch kept: " + par.skinnyCalls.idle());
            assertTrue(par.skinnyTasks.idle() <= 3, "task scratch kept: " + par.skinnyTasks.idle());
            assertTrue(par.skinnyCalls.idle() >= 1 && par.skinnyTasks.idle() >= 1, "scratch given back for reuse");
        }
    }

    private static float[] rand(SplittableRandom r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (2 * r.nextDouble() - 1);
        return v;
    }

    private static void check(int m, int n, int k, float[] x, float[] w, float[] c) {
        double atol = 2e-6 * Math.sqrt(k) * (1 + Math.sqrt(k) / 8);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double ref = 0;
                for (int p = 0; p < k; p++) ref += (double) x[i * k + p] * w[j * k + p];
                double got = c[i * n + j];
                if (Math.abs(got - ref) > atol + 1e-5 * Math.abs(ref)) {
                    throw new AssertionError("m " + m + " [" + i + ", " + j + "]: " + got + " vs " + ref);
                }
            }
        }
    }
}
