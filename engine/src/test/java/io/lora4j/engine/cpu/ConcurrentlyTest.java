package io.lora4j.engine.cpu;

import static io.lora4j.engine.cpu.TestTensors.rand;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.lora4j.engine.Backend;
import io.lora4j.engine.CpuBackend;
import io.lora4j.engine.Tensor;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** {@link Backend#concurrently} on the CPU backend: every task runs once, nested (multi-threaded) ops inside tasks
 *  give exactly what they give when called alone, and a task's exception reaches the caller. */
class ConcurrentlyTest {
    @Test
    void tasksWithNestedOpsMatchSequentialResults() {
        SplittableRandom rnd = new SplittableRandom(3);
        Tensor x = rand(rnd, 40, 300), w0 = rand(rnd, 257, 300), w1 = rand(rnd, 129, 300), w2 = rand(rnd, 64, 300);
        Tensor x1 = rand(rnd, 1, 300);
        for (int threads : new int[] {1, 2, 3}) {
            try (Backend be = new CpuBackend(threads)) {
                Tensor[] alone = {be.linear(x, w0, null), be.linear(x, w1, null), be.linear(x1, w2, null), be.mul(x, x)};
                for (int rep = 0; rep < 20; rep++) {
                    Tensor[] got = new Tensor[4];
                    AtomicInteger runs = new AtomicInteger();
                    be.concurrently(() -> { got[0] = be.linear(x, w0, null); runs.incrementAndGet(); },
                            () -> { got[1] = be.linear(x, w1, null); runs.incrementAndGet(); },
                            () -> { got[2] = be.linear(x1, w2, null); runs.incrementAndGet(); },
                            () -> { got[3] = be.mul(x, x); runs.incrementAndGet(); });
                    assertEquals(4, runs.get(), "each task runs exactly once");
                    for (int i = 0; i < 4; i++) assertArrayEquals(alone[i].toFloatArray(), got[i].toFloatArray(), "task " + i + ", " + threads + " threads");
                }
                be.concurrently(); // no tasks: nothing to do
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> be.concurrently(() -> be.linear(x, w0, null), () -> {
                    throw new IllegalStateException("boom");
                }));
                assertEquals("boom", e.getMessage());
            }
        }
    }
}
