package io.lora4j.optim.glora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lora4j.adapters.glora.GloraConfig;
import io.lora4j.adapters.glora.GloraPath;
import io.lora4j.adapters.glora.LayerShape;
import io.lora4j.optim.evolution.SplitMix64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GloraSearchSpaceTest {
    static final List<LayerShape> L = List.of(new LayerShape("blocks.0.attn.qkv", 48, 16), new LayerShape("blocks.0.attn.proj", 16, 16));

    @Test
    void encodeDecodeMutateCrossover() {
        GloraSearchSpace s = new GloraSearchSpace(L, 4);
        SplitMix64 rng = new SplitMix64(3);
        Set<String> modes = new HashSet<>();
        for (int k = 0; k < 300; k++) {
            GloraConfig c = s.random(rng);
            assertEquals(c, s.decode(s.encode(c)));
            for (var lc : c.layers().values()) for (GloraPath p : GloraPath.values()) modes.add(p + "=" + lc.mode(p));
        }
        assertEquals(4 + 4 + 3 + 3 + 3, modes.size(), "every mode of every path drawn: " + modes);
        GloraConfig a = s.random(rng), b = s.random(rng);
        assertEquals(a, s.mutate(a, 0.0, rng));
        GloraConfig child = s.crossover(a, b, rng);
        for (LayerShape l : L)
            for (GloraPath p : GloraPath.values())
                assertTrue(child.get(l.name()).mode(p).equals(a.get(l.name()).mode(p)) || child.get(l.name()).mode(p).equals(b.get(l.name()).mode(p)));
        // mutation with p = 1 resamples every path: over many draws some path differs from the parent
        boolean changed = false;
        for (int k = 0; k < 10 && !changed; k++) changed = !s.mutate(a, 1.0, rng).equals(a);
        assertTrue(changed);
    }
}
