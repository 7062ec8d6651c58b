package io.lora4j.tests.lora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lora4j.adapters.lora.LoraAdapter;
import io.lora4j.tools.Lora4jCli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lora4j lorahub} and {@code lora4j demo} end to end. */
class LoraHubCliTest {

    static JsonNode runJson(String... args) throws Exception {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int rc;
        try {
            System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
            rc = Lora4jCli.commandLine().execute(args);
        } finally {
            System.setOut(old);
        }
        assertEquals(0, rc, buf.toString(StandardCharsets.UTF_8));
        String out = buf.toString(StandardCharsets.UTF_8).strip();
        return new ObjectMapper().readTree(out.substring(out.lastIndexOf("\n{") + 1));
    }

    @Test
    void lorahubWritesEveryOutputOnPeftModules(@TempDir Path tmp) throws Exception {
        Path ex = tmp.resolve("few.jsonl");
        Files.write(ex, List.of("{\"input\": \"the cat is big\", \"output\": \"yes\"}", "{\"context\": \"a dog\", \"completion\": \"no\"}",
                "{\"input\": \"one two three\", \"output\": \"four\"}"));
        Path out = tmp.resolve("out");
        JsonNode j = runJson("lorahub", "--json", "--model", LoraFixtures.MODEL.toString(), "--lora",
                String.join(",", LoraFixtures.adapter("hub0").toString(), LoraFixtures.adapter("hub1").toString(),
                        LoraFixtures.adapter("hub2").toString(), LoraFixtures.adapter("plain").toString(), LoraFixtures.adapter("bin").toString()),
                "--examples", ex.toString(), "--eval", ex.toString(), "--budget", "6", "--optimizer", "cma", "--max-new-tokens", "4",
                "--merge", "--out", out.toString());
        assertEquals(6, j.path("evaluations").asInt());
        assertTrue(j.path("learned_score").asDouble() <= j.path("base_loss").asDouble() + 1e-9, j.toString());
        for (String f : List.of("weights.json", "log.jsonl", "summary.json", "score.png", "weights.png", "adapter/adapter_config.json",
                "adapter/adapter_model.safetensors", "merged/model.safetensors", "merged/config.json", "merged/tokenizer.json")) {
            assertTrue(Files.isRegularFile(out.resolve(f)), f);
        }
        assertEquals(6, Files.readAllLines(out.resolve("log.jsonl")).size());
        JsonNode first = new ObjectMapper().readTree(Files.readAllLines(out.resolve("log.jsonl")).get(0));
        assertEquals(j.path("base_loss").asDouble(), first.path("loss").asDouble(), 1e-6, "the first evaluation is the base model (w = 0)");
        LoraAdapter composed = LoraAdapter.load(out.resolve("adapter"));
        assertTrue(composed.layers().size() > 0);
    }

    /** CMA-ES populations scored in one batched forward (default) or one by one (--no-batch): the same search. */
    @Test
    void batchedAndOneByOneRunsAgree(@TempDir Path tmp) throws Exception {
        Path ex = tmp.resolve("few.jsonl");
        Files.write(ex, List.of("{\"input\": \"the cat is big\", \"output\": \"yes\"}", "{\"input\": \"a dog\", \"output\": \"no\"}"));
        String mods = String.join(",", LoraFixtures.adapter("hub0").toString(), LoraFixtures.adapter("hub1").toString(),
                LoraFixtures.adapter("hub2").toString());
        for (String mode : List.of("--batch-candidates=0", "--no-batch")) {
            runJson("lorahub", "--json", "--model", LoraFixtures.MODEL.toString(), "--lora", mods, "--examples", ex.toString(), "--budget", "15",
                    "--optimizer", "cma", mode, "--out", tmp.resolve(mode).toString());
        }
        List<String> a = Files.readAllLines(tmp.resolve("--batch-candidates=0").resolve("log.jsonl"));
        List<String> b = Files.readAllLines(tmp.resolve("--no-batch").resolve("log.jsonl"));
        assertEquals(15, a.size());
        assertEquals(a.size(), b.size());
        ObjectMapper om = new ObjectMapper();
        for (int i = 0; i < a.size(); i++) {
            JsonNode x = om.readTree(a.get(i)), y = om.readTree(b.get(i));
            assertEquals(y.path("weights").toString(), x.path("weights").toString(), "evaluation " + i);
            double lx = x.path("loss").asDouble(), ly = y.path("loss").asDouble();
            assertTrue(Math.abs(lx - ly) <= 1e-5 * Math.abs(ly), "evaluation " + i + ": " + lx + " vs " + ly);
        }
    }

    @Test
    void lorahubRejectsModulesThatDoNotCompose(@TempDir Path tmp) throws Exception {
        Path ex = tmp.resolve("few.jsonl");
        Files.write(ex, List.of("{\"input\": \"a\", \"output\": \"b\"}"));
        int rc = Lora4jCli.commandLine().execute("lorahub", "--quiet", "--model", LoraFixtures.MODEL.toString(), "--lora",
                LoraFixtures.adapter("plain") + "," + LoraFixtures.adapter("rslora"), "--examples", ex.toString(), "--out", tmp.resolve("o").toString());
        assertEquals(2, rc);
    }

    /** The embedded demo must show a real gain: learned composition far above the base model on held-out inputs. */
    @Test
    void demoShowsAGain() throws Exception {
        JsonNode j = runJson("demo", "--json");
        double base = j.path("base_exact_match").asDouble(), learned = j.path("learned_exact_match").asDouble();
        assertTrue(learned >= base + 50, "base " + base + ", learned " + learned);
        assertTrue(j.path("learned_loss").asDouble() < j.path("base_loss").asDouble());
        assertEquals(6, j.path("weights").size());
        assertEquals(6, j.path("planted_weights").size());
    }
}
