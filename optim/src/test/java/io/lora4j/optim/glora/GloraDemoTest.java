package io.lora4j.optim.glora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lora4j.engine.CpuBackend;
import org.junit.jupiter.api.Test;

class GloraDemoTest {
    @Test
    void searchRecoversAClearGainOverTheBaseModel() {
        try (CpuBackend be = new CpuBackend(2)) {
            GloraDemo.Report r = GloraDemo.run(new GloraDemo.Options(0, 64, 100, 5, 16, 8), be, null);
            System.err.printf("GLoRA demo: base %.3f found %.3f (search split %.3f) planted %.3f in %.1fs, %d evaluations%n",
                    r.baseAccuracy(), r.foundAccuracy(), r.foundSearchAccuracy(), r.plantedAccuracy(), r.seconds(), r.evaluations());
            assertEquals(1.0, r.plantedAccuracy(), "the planted configuration defines the labels");
            assertTrue(r.foundAccuracy() >= r.baseAccuracy() + 0.2, "no clear gain: base " + r.baseAccuracy() + ", found " + r.foundAccuracy());
        }
    }
}
