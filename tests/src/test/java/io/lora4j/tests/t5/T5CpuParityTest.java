package io.lora4j.tests.t5;

import io.lora4j.engine.Backend;
import io.lora4j.engine.CpuBackend;

/**
 * Every check of {@link T5ParityTest} (same fixtures, same tolerances) on the CPU backend with 3 threads, whose
 * fused and vectorized kernels (fused attention, GEMV/GEMM, row ops) take different paths from the scalar reference.
 */
class T5CpuParityTest extends T5ParityTest {
    private static final Backend CPU = new CpuBackend(3);

    @Override
    Backend backend() {
        return CPU;
    }
}
