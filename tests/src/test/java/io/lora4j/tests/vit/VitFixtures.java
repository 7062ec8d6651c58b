package io.lora4j.tests.vit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lora4j.engine.Tensor;
import io.lora4j.engine.io.SafetensorsFile;
import java.nio.file.Path;

/** Fixtures written by tools/reference/vit_fixtures.py (transformers 5.18, torch 2.13 CPU, Pillow 12.3). */
final class VitFixtures {
    static final Path DIR = Path.of("fixtures/vit");
    static final SafetensorsFile EXPECTED = SafetensorsFile.open(DIR.resolve("expected.safetensors"));

    private VitFixtures() {}

    static Tensor expected(String name) {
        return EXPECTED.get(name);
    }

    static float maxAbsDiff(Tensor actual, Tensor expected) {
        assertArrayEquals(expected.shape(), actual.shape(), "shape");
        float[] a = actual.toFloatArray(), e = expected.toFloatArray();
        float m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - e[i]));
        return m;
    }

    static void assertClose(Tensor actual, Tensor expected, float tol, String what) {
        float d = maxAbsDiff(actual, expected);
        assertTrue(d <= tol, what + ": max |diff| " + d + " > " + tol);
    }
}
