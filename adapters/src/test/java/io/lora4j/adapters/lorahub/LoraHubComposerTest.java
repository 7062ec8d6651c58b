package io.lora4j.adapters.lorahub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.lora4j.adapters.lora.AdapterFiles;
import io.lora4j.adapters.lora.LoraAdapter;
import io.lora4j.adapters.lora.LoraMerge;
import io.lora4j.adapters.lora.LoraTestData;
import io.lora4j.adapters.lora.LoraWeights;
import io.lora4j.engine.BadInputException;
import io.lora4j.engine.ScalarBackend;
import io.lora4j.engine.Tensor;
import io.lora4j.engine.io.Checkpoints;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoraHubComposerTest {
    final ScalarBackend be = new ScalarBackend();

    @Test
    void composesFactorsSeparately() {
        LoraAdapter m1 = LoraTestData.adapter("m1", 1, 2, 4), m2 = LoraTestData.adapter("m2", 2, 2, 4);
        LoraHubComposer c = new LoraHubComposer(List.of(m1, m2));
        LoraAdapter comp = c.compose(new double[] {0.5, -1.25});
        String l = "enc.block.0.attn.q";
        float[] a1 = m1.layers().get(l).a().toFloatArray(), a2 = m2.layers().get(l).a().toFloatArray();
        float[] b1 = m1.layers().get(l).b().toFloatArray(), b2 = m2.layers().get(l).b().toFloatArray();
        float[] ea = new float[a1.length], eb = new float[b1.length];
        for (int i = 0; i < ea.length; i++) ea[i] = 0.5f * a1[i] - 1.25f * a2[i];
        for (int i = 0; i < eb.length; i++) eb[i] = 0.5f * b1[i] - 1.25f * b2[i];
        assertArrayEquals(ea, comp.layers().get(l).a().toFloatArray(), 1e-6f);
        assertArrayEquals(eb, comp.layers().get(l).b().toFloatArray(), 1e-6f);
        assertEquals(2.0, comp.layers().get(l).scaling());
        // a single module with weight w contributes w²·s·B·A (quadratic in w)
        LoraAdapter single = new LoraHubComposer(List.of(m1)).compose(new double[] {-3});
        Map<String, Tensor> base = LoraTestData.base(9);
        var merged = LoraMerge.mergeTensors(be, Checkpoints.of("b", base), List.of(new LoraMerge.Weighted(single, 1)));
        LoraWeights f = m1.layers().get(l);
        assertArrayEquals(LoraTestData.merged(base.get(l + ".weight"), 9 * 2.0, f.b(), f.a()), merged.get(l + ".weight").toFloatArray(), 1e-3f);
    }

    @Test
    void deltaEqualsWeightedSumOfUpdatesAndRoundTripsThroughPeft(@TempDir Path tmp) {
        LoraAdapter m1 = LoraTestData.adapter("m1", 1, 2, 4), m2 = LoraTestData.adapter("m2", 2, 3, 6);
        double[] w = {0.7, -0.3};
        LoraAdapter d = LoraHubComposer.composeDelta(List.of(m1, m2), w);
        var src = Checkpoints.of("b", LoraTestData.base(9));
        var viaDelta = LoraMerge.mergeTensors(be, src, List.of(new LoraMerge.Weighted(d, 1)));
        var direct = LoraMerge.mergeTensors(be, src, List.of(new LoraMerge.Weighted(m1, 0.7), new LoraMerge.Weighted(m2, -0.3)));
        for (String k : direct.keySet()) assertArrayEquals(direct.get(k).toFloatArray(), viaDelta.get(k).toFloatArray(), 1e-4f, k);

        Path dir = tmp.resolve("delta");
        AdapterFiles.writePeft(dir, d, d.config().raw());
        LoraAdapter back = LoraAdapter.load(dir);
        assertEquals(d.layers().keySet(), back.layers().keySet());
        for (String l : d.layers().keySet()) {
            assertEquals(5, back.layers().get(l).rank());
            assertEquals(1.0, back.layers().get(l).scaling(), 1e-12);
            assertArrayEquals(d.layers().get(l).b().toFloatArray(), back.layers().get(l).b().toFloatArray());
        }
        assertThrows(BadInputException.class, () -> AdapterFiles.writePeft(dir, d, d.config().raw()));
    }

    @Test
    void mismatchedModulesAreRejected() {
        LoraAdapter m1 = LoraTestData.adapter("m1", 1, 2, 4), m3 = LoraTestData.adapter("m3", 2, 3, 6);
        assertThrows(BadInputException.class, () -> new LoraHubComposer(List.of(m1, m3)));
        LoraAdapter m4 = LoraTestData.adapter("m4", 2, 2, 8);
        assertThrows(BadInputException.class, () -> new LoraHubComposer(List.of(m1, m4)));
        assertThrows(BadInputException.class, () -> new LoraHubComposer(List.of(m1)).compose(new double[] {1, 2}));
    }
}
