package io.lora4j.adapters.glora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lora4j.engine.BadInputException;
import io.lora4j.engine.Tensor;
import io.lora4j.engine.io.Checkpoints;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GloraConfigTest {
    static final List<LayerShape> SHAPES = List.of(new LayerShape("blocks.0.attn.qkv", 12, 4), new LayerShape("blocks.0.mlp.fc1", 8, 4));

    @Test
    void jsonRoundTripAndParamCount(@TempDir Path dir) throws Exception {
        Map<String, GloraLayerConfig> m = new LinkedHashMap<>();
        m.put("blocks.0.attn.qkv", GloraLayerConfig.of("LoRA_4", "vector", "none", "constant", "none"));
        m.put("blocks.0.mlp.fc1", GloraLayerConfig.of("none", "LoRA_2", "LoRA_4", "vector", "constant"));
        GloraConfig c = new GloraConfig(m);
        Path f = dir.resolve("config.json");
        c.write(f);
        String text = Files.readString(f);
        assertTrue(text.contains("\"A\" : \"LoRA_4\""), text);
        GloraConfig back = GloraConfig.read(f);
        assertEquals(c, back);
        assertEquals(List.copyOf(m.keySet()), List.copyOf(back.layers().keySet()));
        Map<String, LayerShape> shapes = new LinkedHashMap<>();
        for (LayerShape s : SHAPES) shapes.put(s.name(), s);
        long expect = (12 + 4) * 4 + 12 + 1 // qkv: A LoRA_4, B vector, D constant
                + (8 + 4) * 2 + (4 + 1) * 4 + 8 + 1; // fc1: B LoRA_2, C LoRA_4, D vector, E constant
        assertEquals(expect, back.paramCount(shapes));
    }

    @Test
    void badConfigurationsNameTheProblem(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("c.json");
        Files.writeString(f, "{\"blocks.0.attn.qkv\": {\"A\": \"none\", \"B\": \"none\", \"C\": \"constant\", \"D\": \"none\", \"E\": \"none\"}}");
        var e = assertThrows(BadInputException.class, () -> GloraConfig.read(f));
        assertTrue(e.getMessage().contains("path C") && e.getMessage().contains("constant"), e.getMessage());
        Files.writeString(f, "{\"x\": {\"A\": \"LoRA_x\", \"B\": \"none\", \"C\": \"none\", \"D\": \"none\", \"E\": \"none\"}}");
        e = assertThrows(BadInputException.class, () -> GloraConfig.read(f));
        assertTrue(e.getMessage().contains("LoRA_x"), e.getMessage());
        Files.writeString(f, "{\"x\": {\"A\": \"none\", \"B\": \"none\", \"C\": \"none\", \"D\": \"LoRA_2\", \"E\": \"none\"}}");
        e = assertThrows(BadInputException.class, () -> GloraConfig.read(f));
        assertTrue(e.getMessage().contains("path D"), e.getMessage());
        Files.writeString(f, "{\"x\": {\"A\": \"none\", \"B\": \"none\", \"C\": \"none\", \"D\": \"none\"}}");
        e = assertThrows(BadInputException.class, () -> GloraConfig.read(f));
        assertTrue(e.getMessage().contains("\"E\""), e.getMessage());
        GloraSupernet sn = GloraSupernet.init(SHAPES, 2, 1);
        GloraConfig tooHigh = GloraConfig.uniform(SHAPES, GloraLayerConfig.of("LoRA_4", "none", "none", "none", "none"));
        e = assertThrows(BadInputException.class, () -> sn.validate(tooHigh, "c.json"));
        assertTrue(e.getMessage().contains("rank 4"), e.getMessage());
        GloraConfig missing = GloraConfig.uniform(SHAPES.subList(0, 1), GloraLayerConfig.NONE);
        e = assertThrows(BadInputException.class, () -> sn.validate(missing, "c.json"));
        assertTrue(e.getMessage().contains("blocks.0.mlp.fc1"), e.getMessage());
    }

    @Test
    void supernetReadsChecksShapesAndKeepsTheHead() {
        GloraSupernet sn = GloraSupernet.init(SHAPES, 3, 7);
        assertEquals(BigInteger.valueOf(432).pow(2), sn.configurationSpaceSize());
        Map<String, Tensor> t = new LinkedHashMap<>(sn.tensors());
        t.put("head.weight", Tensor.zeros(5, 4));
        GloraSupernet back = GloraSupernet.read(Checkpoints.of("mem", t), SHAPES);
        assertEquals(3, back.rank());
        assertNotNull(back.extra().get("head.weight"));
        assertEquals(1, back.extra().size());

        Map<String, Tensor> bad = new LinkedHashMap<>(t);
        bad.put("blocks.0.mlp.fc1.Bu", Tensor.zeros(3, 5));
        var e = assertThrows(BadInputException.class, () -> GloraSupernet.read(Checkpoints.of("mem", bad), SHAPES));
        assertTrue(e.getMessage().contains("blocks.0.mlp.fc1.Bu") && e.getMessage().contains("[3, 4]"), e.getMessage());
        Map<String, Tensor> unknown = new LinkedHashMap<>(t);
        unknown.put("blocks.9.mlp.fc2.Ad", Tensor.zeros(3, 3));
        e = assertThrows(BadInputException.class, () -> GloraSupernet.read(Checkpoints.of("mem", unknown), SHAPES));
        assertTrue(e.getMessage().contains("blocks.9.mlp.fc2"), e.getMessage());
        Map<String, Tensor> missing = new LinkedHashMap<>(t);
        missing.remove("blocks.0.attn.qkv.E");
        e = assertThrows(BadInputException.class, () -> GloraSupernet.read(Checkpoints.of("mem", missing), SHAPES));
        assertTrue(e.getMessage().contains("blocks.0.attn.qkv.E"), e.getMessage());
        assertTrue(GloraSupernet.isAdapted("blocks.0.attn.qkv"));
        assertTrue(!GloraSupernet.isAdapted("head") && !GloraSupernet.isAdapted("classifier"));
    }
}
