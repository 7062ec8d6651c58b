package io.lora4j.tests.glora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lora4j.adapters.glora.GloraConfig;
import io.lora4j.adapters.glora.GloraVit;
import io.lora4j.engine.ScalarBackend;
import io.lora4j.engine.Tensor;
import io.lora4j.engine.io.SafetensorsFile;
import io.lora4j.models.vit.ViTForImageClassification;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Logits of the tiny ViT fixture with GLoRA (HF and timm layouts; supernet read from safetensors and from
 * the torch.save dict) against tools/reference/glora_fixtures.py, for four configurations that together
 * use every mode of every path: training form, reparameterized form, and the merged checkpoint written to
 * disk and reloaded as a plain ViT. Tolerance 1e-4 (F32 through a 2-block ViT, different summation order).
 */
class GloraVitParityTest {
    static final Path FIX = Path.of("fixtures/glora");

    @ParameterizedTest
    @CsvSource({"hf,supernet.safetensors", "hf,supernet.pt", "timm,supernet.safetensors", "timm,supernet.pt"})
    void logitsMatchPyTorch(String layout, String supernetFile, @TempDir Path tmp) {
        Path dir = FIX.resolve(layout);
        ScalarBackend be = new ScalarBackend();
        GloraVit g = GloraVit.load(dir, dir.resolve(supernetFile));
        assertEquals(layout.equals("hf") ? 12 : 8, g.layers().size());
        assertEquals(3, g.base().config().numLabels(), "the supernet's 3-class head replaces the 5-class base head");
        try (SafetensorsFile exp = SafetensorsFile.open(dir.resolve("expected.safetensors"))) {
            Tensor pixels = exp.get("pixel_values");
            assertClose(exp.get("logits_base"), ViTForImageClassification.load(dir).logits(be, pixels), "base");
            for (int k = 0; k < 4; k++) {
                GloraConfig c = GloraConfig.read(dir.resolve("configs/cfg" + k + ".json"));
                Tensor want = exp.get("logits_cfg" + k);
                assertClose(want, g.glora(c).logits(be, pixels), layout + " cfg" + k + " training form");
                assertClose(want, g.merged(c).logits(be, pixels), layout + " cfg" + k + " reparameterized");
                if (k == 2) {
                    Path out = tmp.resolve("merged");
                    g.writeMerged(c, out);
                    ViTForImageClassification plain = ViTForImageClassification.load(out);
                    assertEquals(3, plain.config().numLabels());
                    assertClose(want, plain.logits(be, pixels), layout + " cfg2 merged checkpoint");
                }
            }
        }
    }

    static void assertClose(Tensor expect, Tensor got, String what) {
        assertEquals(java.util.Arrays.toString(expect.shape()), java.util.Arrays.toString(got.shape()), what);
        float[] e = expect.toFloatArray(), a = got.toFloatArray();
        for (int i = 0; i < e.length; i++) {
            assertTrue(Math.abs(e[i] - a[i]) <= 1e-4 * (1 + Math.abs(e[i])), what + " [" + i + "]: expected " + e[i] + ", got " + a[i]);
        }
    }
}
