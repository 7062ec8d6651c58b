package io.lora4j.tests.glora;

import io.lora4j.tests.CliRun;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lora4j.adapters.glora.GloraConfig;
import io.lora4j.adapters.glora.GloraVit;
import io.lora4j.engine.ScalarBackend;
import io.lora4j.engine.Tensor;
import io.lora4j.engine.io.SafetensorsFile;
import io.lora4j.models.image.ViTImageProcessor;
import io.lora4j.models.vit.ViTForImageClassification;
import java.awt.image.BufferedImage;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lora4j glora info|merge|search|eval|demo} on the tiny ViT fixtures. */
class GloraCliTest {
    static final Path FIX = Path.of("fixtures/glora");
    static final ObjectMapper JSON = new ObjectMapper();

    static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @Test
    void infoCountsParametersAndTheSpace() throws Exception {
        Path hf = FIX.resolve("hf");
        CliRun r = run("glora", "info", "--model", hf.toString(), "--supernet", hf.resolve("supernet.safetensors").toString(),
                "--config", hf.resolve("configs/cfg1.json").toString(), "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = JSON.readTree(r.out());
        assertEquals(12, j.get("adapted_layers").asInt());
        assertEquals(BigInteger.valueOf(432).pow(12).toString(), j.get("configuration_space_size").asText());
        GloraVit g = GloraVit.load(hf, hf.resolve("supernet.safetensors"));
        long expect = GloraConfig.read(hf.resolve("configs/cfg1.json")).paramCount(g.supernet().shapes());
        assertEquals(expect, j.get("params").asLong());
        assertTrue(expect > 0);
        CliRun text = run("glora", "info", "--model", hf.toString(), "--supernet", hf.resolve("supernet.pt").toString());
        assertEquals(0, text.code(), text.err());
        assertTrue(text.out().contains("vit.encoder.layer.1.output.dense"), text.out());
    }

    @Test
    void mergeWritesAPlainCheckpointWithTheGloraLogits(@TempDir Path tmp) {
        Path timm = FIX.resolve("timm");
        Path out = tmp.resolve("merged");
        CliRun r = run("glora", "merge", "--model", timm.toString(), "--supernet", timm.resolve("supernet.pt").toString(),
                "--config", timm.resolve("configs/cfg3.json").toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        try (SafetensorsFile exp = SafetensorsFile.open(timm.resolve("expected.safetensors"))) {
            ViTForImageClassification m = ViTForImageClassification.load(out);
            GloraVitParityTest.assertClose(exp.get("logits_cfg3"), m.logits(new ScalarBackend(), exp.get("pixel_values")), "merged timm checkpoint");
        }
    }

    @Test
    void badInputsExitTwoNamingTheProblem(@TempDir Path tmp) throws Exception {
        Path hf = FIX.resolve("hf");
        Path cfg = tmp.resolve("bad.json");
        Files.writeString(cfg, "{\"blocks.0.attn.qkv\": {\"A\": \"none\", \"B\": \"none\", \"C\": \"none\", \"D\": \"none\", \"E\": \"none\"}}");
        CliRun r = run("glora", "merge", "--model", hf.toString(), "--supernet", hf.resolve("supernet.safetensors").toString(),
                "--config", cfg.toString(), "--out", tmp.resolve("o").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("blocks.0.attn.qkv") && r.err().contains("bad.json"), r.err());
        CliRun wrong = run("glora", "info", "--model", hf.toString(), "--supernet", FIX.resolve("timm/supernet.safetensors").toString());
        assertEquals(2, wrong.code());
        assertTrue(wrong.err().contains("vit.encoder.layer.0.attention.attention.query.Ad"), wrong.err());
    }

    /** 24 random 32×32 PNGs labeled by the cfg2 GLoRA model's predictions, as a "path label" list file. */
    static Path labeledImages(Path dir, GloraVit g) throws Exception {
        Files.createDirectories(dir.resolve("images"));
        Random rnd = new Random(11);
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            BufferedImage img = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < 32; y++) for (int x = 0; x < 32; x++) img.setRGB(x, y, rnd.nextInt(1 << 24));
            Path f = dir.resolve("images/img" + i + ".png");
            ImageIO.write(img, "png", f.toFile());
            files.add(f);
        }
        Tensor pixels = ViTImageProcessor.forModel(FIX.resolve("hf"), 32).preprocessFiles(files);
        ScalarBackend be = new ScalarBackend();
        int[] labels = be.argmax(g.merged(GloraConfig.read(FIX.resolve("hf/configs/cfg2.json"))).logits(be, pixels));
        StringBuilder sb = new StringBuilder("# VTAB-style list\n");
        for (int i = 0; i < files.size(); i++) sb.append("images/img").append(i).append(".png ").append(labels[i]).append('\n');
        Path list = dir.resolve("val200.txt");
        Files.writeString(list, sb.toString());
        return list;
    }

    static String[] searchArgs(Path list, Path out, int generations, String... extra) {
        List<String> a = new ArrayList<>(List.of("glora", "search", "--model", FIX.resolve("hf").toString(), "--supernet",
                FIX.resolve("hf/supernet.safetensors").toString(), "--val", list.toString(), "--out", out.toString(),
                "--population", "8", "--generations", String.valueOf(generations), "--top-k", "3", "--mutations", "3", "--crossovers", "3",
                "--param-limit", "0.01", "--seed", "3", "--backend", "scalar", "-q"));
        a.addAll(List.of(extra));
        return a.toArray(String[]::new);
    }

    @Test
    void searchWritesItsOutputsAndResumeMatchesAnUninterruptedRun(@TempDir Path tmp) throws Exception {
        GloraVit g = GloraVit.load(FIX.resolve("hf"), FIX.resolve("hf/supernet.safetensors"));
        Path list = labeledImages(tmp.resolve("data"), g);
        Path o1 = tmp.resolve("full");
        CliRun r = run(searchArgs(list, o1, 4, "--merge", "--json", "--train", list.toString()));
        assertEquals(0, r.code(), r.err());
        JsonNode j = JSON.readTree(r.out());
        assertTrue(j.get("best_accuracy").asDouble() >= j.get("base_accuracy").asDouble(), r.out());
        assertTrue(j.get("best_params").asLong() <= 10_000);
        assertEquals(j.get("best_accuracy").asDouble(), j.get("train_best_accuracy").asDouble(), 1e-12, "same images");
        for (String f : new String[] {"best_config.json", "search_log.jsonl", "accuracy.png", "result.json", "search_checkpoint.json", "merged/model.safetensors"}) {
            assertTrue(Files.isRegularFile(o1.resolve(f)), f);
        }
        List<String> log = Files.readAllLines(o1.resolve("search_log.jsonl"));
        assertEquals(4, log.size());
        JsonNode g0 = JSON.readTree(log.get(0));
        assertTrue(g0.has("best") && g0.has("mean") && g0.has("best_params") && g0.has("mean_params"), log.get(0));
        BufferedImage png = ImageIO.read(o1.resolve("accuracy.png").toFile());
        assertEquals(800, png.getWidth());
        // the merged checkpoint is the reparameterized best configuration
        GloraConfig best = GloraConfig.read(o1.resolve("best_config.json"));
        ScalarBackend be = new ScalarBackend();
        Tensor pixels = ViTImageProcessor.forModel(FIX.resolve("hf"), 32).preprocessFiles(List.of(tmp.resolve("data/images/img0.png"), tmp.resolve("data/images/img1.png")));
        GloraVitParityTest.assertClose(g.glora(best).logits(be, pixels), ViTForImageClassification.load(o1.resolve("merged")).logits(be, pixels), "merged best");

        // interrupted after 2 generations, resumed to 4: the same search
        Path o2 = tmp.resolve("resumed");
        assertEquals(0, run(searchArgs(list, o2, 2)).code());
        CliRun resumed = run(searchArgs(list, o2, 4, "--resume"));
        assertEquals(0, resumed.code(), resumed.err());
        assertEquals(Files.readString(o1.resolve("best_config.json")), Files.readString(o2.resolve("best_config.json")));
        assertEquals(log, Files.readAllLines(o2.resolve("search_log.jsonl")));
        // different options on resume are refused
        CliRun other = run(searchArgs(list, o2, 4, "--resume", "--mutation-prob", "0.5"));
        assertEquals(2, other.code());
        assertTrue(other.err().contains("different search options"), other.err());

        CliRun eval = run("glora", "eval", "--model", FIX.resolve("hf").toString(), "--supernet", FIX.resolve("hf/supernet.safetensors").toString(),
                "--config", FIX.resolve("hf/configs/cfg2.json").toString(), "--images", list.toString(), "--json", "--backend", "scalar");
        assertEquals(0, eval.code(), eval.err());
        assertEquals(1.0, JSON.readTree(eval.out()).get("accuracy").asDouble(), "cfg2 labeled these images");
    }

    @Test
    void demoReportsBaseAndFoundAgreement() throws Exception {
        CliRun r = run("glora", "demo", "--images", "30", "--population", "6", "--generations", "2", "--json", "-q");
        assertEquals(0, r.code(), r.err());
        JsonNode j = JSON.readTree(r.out());
        for (String k : new String[] {"base_accuracy", "found_accuracy", "found_config", "planted_config"}) assertTrue(j.has(k), k);
        assertEquals(1.0, j.get("planted_accuracy").asDouble());
        CliRun under = run("demo", "glora", "--images", "20", "--population", "4", "--generations", "1", "--json", "-q");
        assertEquals(0, under.code(), under.err());
        assertTrue(JSON.readTree(under.out()).has("found_accuracy"), under.out());
    }
}
