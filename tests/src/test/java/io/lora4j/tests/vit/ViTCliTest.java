package io.lora4j.tests.vit;

import io.lora4j.tests.CliRun;
import static io.lora4j.tests.vit.VitFixtures.DIR;
import static io.lora4j.tests.vit.VitFixtures.expected;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lora4j.engine.ScalarBackend;
import io.lora4j.engine.Tensor;
import io.lora4j.engine.io.SafetensorsFile;
import io.lora4j.engine.io.SafetensorsWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Test;

/** {@code lora4j classify} and {@code lora4j bench vit} end to end. */
class ViTCliTest {
    static CliRun run(String... args) {
        return CliRun.of(args);
    }

    static final String[] LABELS = {"tabby cat", "golden retriever", "teapot", "volcano", "daisy"};

    /** Probabilities must be softmax of HF's logits for the same images (preprocessing is bit-exact for these). */
    @Test
    void classifyHfDirectoryAsJson() throws Exception {
        String[] imgs = {"rgb.png", "photo.jpg", "gray.png", "rgba.png"};
        String[] args = new String[7 + imgs.length];
        String[] head = {"classify", "--model", DIR.resolve("hf-vit-cls").toString(), "--top", "3", "--json", "--threads=1"};
        System.arraycopy(head, 0, args, 0, head.length);
        for (int i = 0; i < imgs.length; i++) args[head.length + i] = DIR.resolve("images").resolve(imgs[i]).toString();
        CliRun r = run(args);
        assertEquals(0, r.code(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals(4, j.size());
        Tensor probs = new ScalarBackend().softmax(expected("logits"), null);
        for (int i = 0; i < 4; i++) {
            JsonNode top = j.get(i).get("top");
            assertEquals(3, top.size());
            assertTrue(j.get(i).get("image").asText().endsWith(imgs[i]));
            float prev = 2;
            for (JsonNode t : top) {
                int id = t.get("id").asInt();
                assertEquals(LABELS[id], t.get("label").asText());
                float p = (float) t.get("probability").asDouble();
                assertEquals(probs.get(i, id), p, 1e-4, "probability of " + LABELS[id] + " for " + imgs[i]);
                assertTrue(p <= prev);
                prev = p;
            }
        }
    }

    @Test
    void classifyTimmCheckpointAsText() {
        CliRun r = run("classify", "--model", DIR.resolve("timm-vit").toString(), "--top", "2", DIR.resolve("images/rgb.png").toString());
        assertEquals(0, r.code(), r.err());
        // HF logits for rgb.png: daisy 0.499 > teapot -0.214 > volcano ...
        assertTrue(r.out().startsWith(DIR.resolve("images/rgb.png").toString()), r.out());
        String[] lines = r.out().strip().split("\n");
        assertEquals(3, lines.length, r.out());
        assertTrue(lines[1].trim().endsWith("daisy") && lines[2].trim().endsWith("teapot"), r.out());
    }

    /** --arch names the timm description explicitly; mean pooling; no preprocessor_config.json → HF's defaults (= the fixture's). */
    @Test
    void classifyTimmWithArchFile() throws Exception {
        CliRun r = run("classify", "--model", DIR.resolve("timm-vit-avg/model.safetensors").toString(), "--arch",
                DIR.resolve("timm-vit-avg/vit_arch.json").toString(), "--top", "1", "--json", DIR.resolve("images/rgb.png").toString());
        assertEquals(0, r.code(), r.err());
        JsonNode top = new ObjectMapper().readTree(r.out()).get(0).get("top").get(0);
        assertEquals("LABEL_4", top.get("label").asText());
        float p = new ScalarBackend().softmax(expected("timm_avg_logits"), null).get(0, 4);
        assertEquals(p, (float) top.get("probability").asDouble(), 1e-4);
    }

    @Test
    void badInputExitsTwo() {
        CliRun missing = run("classify", "--model", DIR.resolve("hf-vit-cls").toString(), DIR.resolve("images/nope.png").toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("nope.png"), missing.err());
        CliRun notImage = run("classify", "--model", DIR.resolve("hf-vit-cls").toString(), DIR.resolve("hf-vit-cls/config.json").toString());
        assertEquals(2, notImage.code());
        assertTrue(notImage.err().contains("config.json"), notImage.err());
        CliRun noHead = run("classify", "--model", DIR.resolve("hf-vit-model").toString(), DIR.resolve("images/rgb.png").toString());
        assertEquals(2, noHead.code());
        assertTrue(noHead.err().contains("no classification head"), noHead.err());
    }

    /** forward: pixel_values from the fixture → HF's logits and last hidden state (1e-4); ViTModel → pooler_output. */
    @Test
    void forwardWritesLogits(@TempDir Path dir) {
        Path in = dir.resolve("in.safetensors"), out = dir.resolve("out.safetensors");
        new SafetensorsWriter().add("pixel_values", expected("pixel_values")).write(in);
        CliRun r = run("forward", "--model", DIR.resolve("hf-vit-cls").toString(), "--input", in.toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        SafetensorsFile f = SafetensorsFile.open(out);
        VitFixtures.assertClose(f.get("logits"), expected("logits"), 1e-4f, "forward logits");
        VitFixtures.assertClose(f.get("last_hidden_state"), expected("last_hidden_state"), 1e-4f, "forward last_hidden_state");
        CliRun m = run("forward", "--model", DIR.resolve("hf-vit-model").toString(), "--input", in.toString(), "--out", out.toString());
        assertEquals(0, m.code(), m.err());
        VitFixtures.assertClose(SafetensorsFile.open(out).get("pooler_output"), expected("model_pooler_output"), 1e-4f, "pooler_output");
        new SafetensorsWriter().add("pixel_values", expected("pixel_values_48")).write(in);
        CliRun bad = run("forward", "--model", DIR.resolve("hf-vit-cls").toString(), "--input", in.toString(), "--out", out.toString());
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("doesn't match model"), bad.err());
    }

    @Test
    void benchTinyPreset() throws Exception {
        CliRun r = run("bench", "vit", "--preset", "tiny", "--iterations", "1", "--warmup", "0", "--json", "--threads", "1");
        assertEquals(0, r.code(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals("tiny", j.get("preset").asText());
        assertTrue(j.get("median_s").asDouble() > 0);
        CliRun timm = run("bench", "vit", "--preset", "tiny", "--timm", "--iterations", "1");
        assertEquals(0, timm.code(), timm.err());
        assertTrue(timm.out().contains("TIMM"), timm.out());
    }
}
