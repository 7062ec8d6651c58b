package io.lora4j.adapters.lora;

import static io.lora4j.adapters.lora.LoraTestData.config;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lora4j.engine.BadInputException;
import org.junit.jupiter.api.Test;

class LoraConfigTest {
    static final String Q0 = "encoder.block.0.layer.0.SelfAttention.q";
    static final String V3 = "decoder.block.3.layer.1.EncDecAttention.v";
    static final String K0 = "encoder.block.0.layer.0.SelfAttention.k";

    @Test
    void listTargetsMatchLastComponents() {
        LoraConfig c = config("{\"r\":16,\"lora_alpha\":32,\"target_modules\":[\"q\",\"v\"],\"unknown_key\":1}");
        assertTrue(c.targets(Q0));
        assertTrue(c.targets(V3));
        assertFalse(c.targets(K0));
        assertFalse(c.targets("encoder.block.0.layer.0.SelfAttention.qq"));
        assertEquals(2.0, c.scalingFor(Q0));
    }

    @Test
    void regexTargetsFullMatch() {
        LoraConfig c = config("{\"r\":4,\"lora_alpha\":8,\"target_modules\":\".*decoder.*\\\\.(q|v)\"}");
        assertFalse(c.targets(Q0));
        assertTrue(c.targets(V3));
        assertFalse(c.targets(V3 + "x"));
    }

    @Test
    void layersToTransformUsesFirstNumberedSegment() {
        LoraConfig c = config("{\"r\":4,\"lora_alpha\":8,\"target_modules\":[\"q\",\"v\"],\"layers_to_transform\":[3]}");
        assertFalse(c.targets(Q0));
        assertTrue(c.targets(V3));
        LoraConfig p = config("{\"r\":4,\"lora_alpha\":8,\"target_modules\":[\"q\",\"v\"],\"layers_to_transform\":0,\"layers_pattern\":\"layer\"}");
        assertTrue(p.targets(Q0));
        assertFalse(p.targets("decoder.block.0.layer.1.EncDecAttention.v"));
    }

    @Test
    void rankAndAlphaPatternsAndRslora() {
        LoraConfig c = config("{\"r\":8,\"lora_alpha\":16,\"target_modules\":[\"q\",\"v\"],"
                + "\"rank_pattern\":{\"decoder.*v\":2},\"alpha_pattern\":{\"q\":4}}");
        assertEquals(8, c.rankFor(Q0));
        assertEquals(4.0 / 8, c.scalingFor(Q0));
        assertEquals(2, c.rankFor(V3));
        assertEquals(16.0 / 2, c.scalingFor(V3));
        LoraConfig rs = config("{\"r\":16,\"lora_alpha\":8,\"target_modules\":[\"q\"],\"use_rslora\":true}");
        assertEquals(8.0 / 4, rs.scalingFor(Q0), 1e-12);
    }

    @Test
    void unsupportedValuesNameTheField() {
        var e = assertThrows(BadInputException.class, () -> config("{\"r\":8,\"target_modules\":[\"q\"],\"bias\":\"all\"}"));
        assertTrue(e.getMessage().contains("'bias'"), e.getMessage());
        e = assertThrows(BadInputException.class, () -> config("{\"r\":8,\"target_modules\":[\"q\"],\"use_dora\":true}"));
        assertTrue(e.getMessage().contains("'use_dora'"), e.getMessage());
        e = assertThrows(BadInputException.class, () -> config("{\"r\":\"8\",\"target_modules\":[\"q\"]}"));
        assertTrue(e.getMessage().contains("'r'"), e.getMessage());
        e = assertThrows(BadInputException.class, () -> config("{\"r\":8,\"target_modules\":[\"q\"],\"peft_type\":\"IA3\"}"));
        assertTrue(e.getMessage().contains("'peft_type'"), e.getMessage());
        e = assertThrows(BadInputException.class, () -> config("{\"r\":8,\"target_modules\":\"(q\"}"));
        assertTrue(e.getMessage().contains("'target_modules'"), e.getMessage());
        e = assertThrows(BadInputException.class, () -> config("{\"r\":8,\"target_modules\":[\"q\"],\"modules_to_save\":[\"lm_head\"]}"));
        assertTrue(e.getMessage().contains("'modules_to_save'"), e.getMessage());
    }
}
