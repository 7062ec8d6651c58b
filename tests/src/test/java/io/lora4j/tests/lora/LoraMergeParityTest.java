package io.lora4j.tests.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lora4j.adapters.lora.CheckpointMerge;
import io.lora4j.adapters.lora.LoraAdapter;
import io.lora4j.adapters.lorahub.LoraHubComposer;
import io.lora4j.engine.Backend;
import io.lora4j.tests.TestBackends;
import io.lora4j.engine.Tensor;
import io.lora4j.engine.io.Checkpoints;
import io.lora4j.engine.io.SafetensorsFile;
import io.lora4j.engine.io.TensorSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * lora4j's merge on checkpoint tensors vs PEFT's merge_and_unload (fixtures from tools/reference/lora_fixtures.py).
 * Tolerance 1e-5 absolute on weights of magnitude ~0.3 (float32 products of rank ≤ 4, summation order differs).
 */
class LoraMergeParityTest {
    final Backend be = TestBackends.shared(); // scalar unless -Dlora4j.test.backend (e.g. -Ptornadovm)

    @ParameterizedTest
    @ValueSource(strings = {"plain", "rslora", "pattern", "regex", "layers", "bin"})
    void mergedWeightsMatchPeft(String name, @TempDir Path tmp) throws Exception {
        LoraAdapter a = LoraAdapter.load(LoraFixtures.adapter(name));
        Set<String> expectLayers = new TreeSet<>();
        LoraFixtures.META.path("adapters").path(name).path("layers").forEach(n -> expectLayers.add(n.asText()));
        assertEquals(expectLayers, new TreeSet<>(a.layers().keySet()), "adapted layers as PEFT reports them");
        Path out = tmp.resolve("merged");
        CheckpointMerge.Result r = CheckpointMerge.merge(be, LoraFixtures.MODEL, List.of(a), null, CheckpointMerge.Compose.DELTA, out);
        assertEquals(expectLayers.size(), r.adaptedLayers());
        TensorSource base = Checkpoints.open(LoraFixtures.MODEL);
        SafetensorsFile merged = SafetensorsFile.open(out.resolve("model.safetensors"));
        assertEquals(base.names(), merged.names());
        for (String t : base.names()) {
            String layer = t.endsWith(".weight") ? t.substring(0, t.length() - 7) : t;
            if (expectLayers.contains(layer)) {
                Tensor e = LoraFixtures.expected("merged." + name + "." + t);
                float d = LoraFixtures.maxAbsDiff(e.toFloatArray(), merged.get(t).toFloatArray());
                assertTrue(d < 1e-5f, t + ": max |diff| " + d);
            } else {
                assertArrayEquals(base.get(t).toFloatArray(), merged.get(t).toFloatArray(), t);
            }
        }
        for (String f : List.of("config.json", "tokenizer.json", "tokenizer_config.json")) {
            assertArrayEquals(Files.readAllBytes(LoraFixtures.MODEL.resolve(f)), Files.readAllBytes(out.resolve(f)), f);
        }
    }

    @Test
    void loraHubCompositionMatchesReference() {
        List<LoraAdapter> mods = new ArrayList<>();
        for (var n : LoraFixtures.META.path("hub").path("modules")) mods.add(LoraAdapter.load(LoraFixtures.adapter(n.asText())));
        double[] w = new double[mods.size()];
        for (int i = 0; i < w.length; i++) w[i] = LoraFixtures.META.path("hub").path("weights").get(i).asDouble();
        LoraHubComposer composer = new LoraHubComposer(mods);
        for (LoraAdapter c : List.of(composer.compose(w), composer.compose(be, w), composer.compose(be, w))) { // host, backend, backend again
            var tensors = c.peftTensors();
            assertEquals(LoraFixtures.EXPECTED.names().stream().filter(k -> k.startsWith("hub.base_model")).count(), tensors.size());
            for (var e : tensors.entrySet()) {
                float d = LoraFixtures.maxAbsDiff(LoraFixtures.expected("hub." + e.getKey()).toFloatArray(), e.getValue().toFloatArray());
                assertTrue(d < 1e-6f, e.getKey() + ": max |diff| " + d);
            }
        }
    }
}
