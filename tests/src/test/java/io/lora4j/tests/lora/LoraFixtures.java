package io.lora4j.tests.lora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lora4j.engine.Tensor;
import io.lora4j.engine.io.SafetensorsFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** The fixtures written by tools/reference/lora_fixtures.py (PEFT 0.21 + transformers, torch CPU, float32). */
final class LoraFixtures {
    static final Path DIR = Path.of("fixtures/lora");
    static final Path MODEL = DIR.resolve("model");
    static final SafetensorsFile EXPECTED = SafetensorsFile.open(DIR.resolve("expected.safetensors"));
    static final JsonNode META;

    static {
        try {
            META = new ObjectMapper().readTree(DIR.resolve("expected.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private LoraFixtures() {}

    static Path adapter(String name) {
        return DIR.resolve("adapters").resolve(name);
    }

    static Tensor expected(String name) {
        return EXPECTED.get(name);
    }

    static float maxAbsDiff(float[] a, float[] b) {
        if (a.length != b.length) throw new AssertionError("lengths " + a.length + " != " + b.length);
        float m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }
}
