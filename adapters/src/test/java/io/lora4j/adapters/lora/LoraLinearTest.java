package io.lora4j.adapters.lora;

import static io.lora4j.adapters.lora.LoraTestData.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lora4j.engine.BadInputException;
import io.lora4j.engine.ScalarBackend;
import io.lora4j.engine.Tensor;
import io.lora4j.engine.io.Checkpoints;
import io.lora4j.models.nn.DenseLinear;
import io.lora4j.models.nn.ForwardContext;
import io.lora4j.models.nn.Linear;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LoraLinearTest {
    final ScalarBackend be = new ScalarBackend();

    @Test
    void unmergedEqualsPlainFormulaAndMergedForTwoAdapters() {
        Random rnd = new Random(1);
        for (int[] dims : new int[][] {{1, 7, 5, 3}, {4, 3, 9, 1}, {2, 8, 8, 5}}) {
            int rows = dims[0], in = dims[1], out = dims[2], r = dims[3];
            DenseLinear base = new DenseLinear(random(rnd, out, in), random(rnd, out));
            LoraWeights f1 = new LoraWeights(random(rnd, r, in), random(rnd, out, r), 2.0);
            LoraWeights f2 = new LoraWeights(random(rnd, r + 1, in), random(rnd, out, r + 1), 0.5);
            Tensor x = random(rnd, rows, in);
            Tensor y = new LoraLinear(base, List.of(f1, f2)).forward(be, x, ForwardContext.NONE);
            float[] w = LoraTestData.merged(Tensor.of(LoraTestData.merged(base.weight(), 2.0, f1.b(), f1.a()), out, in), 0.5, f2.b(), f2.a());
            Tensor expect = be.linear(x, Tensor.of(w, out, in), base.bias());
            assertArrayEquals(expect.toFloatArray(), y.toFloatArray(), 1e-3f);
            Linear merged = LoraMerge.merge(be, base, List.of(f1, f2));
            assertArrayEquals(expect.toFloatArray(), merged.forward(be, x, ForwardContext.NONE).toFloatArray(), 1e-3f);
        }
    }

    @Test
    void mergeTensorsReplacesOnlyAdaptedWeights() {
        Map<String, Tensor> base = LoraTestData.base(3);
        LoraAdapter a = LoraTestData.adapter("a", 4, 2, 4);
        LoraAdapter b = LoraTestData.adapter("b", 5, 3, 3);
        Map<String, Tensor> m = LoraMerge.mergeTensors(be, Checkpoints.of("base", base),
                List.of(new LoraMerge.Weighted(a, 1.0), new LoraMerge.Weighted(b, -0.5)));
        assertEquals(base.keySet(), m.keySet());
        assertEquals(base.get("enc.block.0.norm.weight"), m.get("enc.block.0.norm.weight"));
        String l = "enc.block.1.attn.v";
        LoraWeights fa = a.layers().get(l), fb = b.layers().get(l);
        float[] step = LoraTestData.merged(base.get(l + ".weight"), 2.0, fa.b(), fa.a());
        float[] expect = LoraTestData.merged(Tensor.of(step, 4, 5), -0.5, fb.b(), fb.a());
        assertArrayEquals(expect, m.get(l + ".weight").toFloatArray(), 1e-4f);
    }

    @Test
    void adapterErrorsNameTheTensor() {
        Map<String, Tensor> base = LoraTestData.base(3);
        Map<String, Tensor> small = new LinkedHashMap<>(base);
        small.put("enc.block.1.attn.q.weight", random(new Random(0), 6, 4));
        var e = assertThrows(BadInputException.class, () -> LoraTestData.adapter("a", 4, 2, 4).checkAgainst(Checkpoints.of("base", small)));
        assertTrue(e.getMessage().contains("enc.block.1.attn.q.lora_A.weight"), e.getMessage());
        Map<String, Tensor> noV = new LinkedHashMap<>(base);
        noV.remove("enc.block.0.attn.v.weight");
        e = assertThrows(BadInputException.class, () -> LoraTestData.adapter("a", 4, 2, 4).checkAgainst(Checkpoints.of("base", noV)));
        assertTrue(e.getMessage().contains("enc.block.0.attn.v"), e.getMessage());

        LoraConfig c = LoraTestData.config("{\"r\":2,\"lora_alpha\":4,\"target_modules\":[\"q\"]}");
        Random rnd = new Random(0);
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("base_model.model.enc.block.0.attn.v.lora_A.weight", random(rnd, 2, 5));
        t.put("base_model.model.enc.block.0.attn.v.lora_B.weight", random(rnd, 4, 2));
        e = assertThrows(BadInputException.class, () -> LoraAdapter.fromTensors("x", c, Checkpoints.of("f", t)));
        assertTrue(e.getMessage().contains("enc.block.0.attn.v.lora_A.weight"), e.getMessage());
        Map<String, Tensor> t2 = new LinkedHashMap<>();
        t2.put("base_model.model.enc.block.0.attn.q.lora_A.default.weight", random(rnd, 3, 5));
        t2.put("base_model.model.enc.block.0.attn.q.lora_B.default.weight", random(rnd, 6, 3));
        e = assertThrows(BadInputException.class, () -> LoraAdapter.fromTensors("x", c, Checkpoints.of("f", t2)));
        assertTrue(e.getMessage().contains("lora_A.weight") && e.getMessage().contains("rank 2"), e.getMessage());
        Map<String, Tensor> t3 = new LinkedHashMap<>();
        t3.put("base_model.model.enc.block.0.attn.q.lora_A.weight", random(rnd, 2, 5));
        e = assertThrows(BadInputException.class, () -> LoraAdapter.fromTensors("x", c, Checkpoints.of("f", t3)));
        assertTrue(e.getMessage().contains("no lora_B"), e.getMessage());
    }
}
