package io.lora4j.tests.t5;

import io.lora4j.tests.CliRun;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lora4j.engine.io.SafetensorsFile;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lora4j forward} (and later generate/score) on the HF-written fixture directories. */
class T5CliTest {
    static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @Test
    void forwardWritesHfNamedOutputsMatchingHf(@TempDir Path tmp) {
        T5Fixture f = new T5Fixture("gated_gelu_untied");
        Path out = tmp.resolve("out.safetensors");
        // expected.safetensors holds input_ids, attention_mask and decoder_input_ids as I64, as users would write them
        CliRun r = run("forward", "--model", f.dir.toString(), "--input", f.dir.resolve("expected.safetensors").toString(),
                "--out", out.toString(), "--backend", "scalar", "--json");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("\"logits\":[3,6,64]"), r.out());
        SafetensorsFile got = SafetensorsFile.open(out);
        double d = T5Fixture.maxAbsDiff(got.get("logits"), f.get("logits"));
        assertTrue(d <= T5ParityTest.LOGIT_TOL, "max|Δlogit| " + d);
        int last = 2; // encoder: 2 layers → hidden states 0..2, the last is the final-normed output
        double e = T5Fixture.maxAbsDiff(got.get("encoder_last_hidden_state"), f.get("enc_hidden." + last));
        assertTrue(e <= 1e-4 * Math.max(1, T5Fixture.maxAbs(f.get("enc_hidden." + last))), "encoder_last_hidden_state " + e);
    }

    static com.fasterxml.jackson.databind.JsonNode expectedText() throws Exception {
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(T5Fixture.ROOT.resolve("with_tokenizer/expected.json").toFile());
    }

    static java.util.List<String> strings(com.fasterxml.jackson.databind.JsonNode arr) {
        java.util.List<String> l = new java.util.ArrayList<>();
        arr.forEach(n -> l.add(n.asText()));
        return l;
    }

    @Test
    void generateGreedyAndBeamMatchHfDecodedText() throws Exception {
        var exp = expectedText();
        java.util.List<String> texts = strings(exp.get("texts"));
        for (String[] mode : new String[][] {{"greedy", "1"}, {"beam3", "3"}}) {
            java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("generate", "--model", "fixtures/t5/with_tokenizer",
                    "--max-new-tokens", "12", "--num-beams", mode[1], "--backend", "scalar", "--json"));
            args.addAll(texts);
            CliRun r = run(args.toArray(String[]::new));
            assertEquals(0, r.code(), r.err());
            var out = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.out()).get("outputs");
            for (int i = 0; i < texts.size(); i++) {
                assertEquals(exp.get(mode[0]).get(i).asText(), out.get(i).get("output").asText(), mode[0] + " input " + i);
            }
        }
    }

    @Test
    void scoreMatchesHfLossFromJsonl(@TempDir Path tmp) throws Exception {
        var exp = expectedText();
        java.util.List<String> in = strings(exp.get("texts")), tg = strings(exp.get("targets"));
        StringBuilder sb = new StringBuilder();
        var om = new com.fasterxml.jackson.databind.ObjectMapper();
        for (int i = 0; i < in.size(); i++) {
            // both layouts: {"input","output"} and BBH's {"context","completion"}
            var o = om.createObjectNode();
            o.put(i % 2 == 0 ? "input" : "context", in.get(i)).put(i % 2 == 0 ? "output" : "completion", tg.get(i));
            sb.append(o).append('\n');
        }
        Path f = tmp.resolve("ex.jsonl");
        java.nio.file.Files.writeString(f, sb.toString());
        CliRun r = run("score", "--model", "fixtures/t5/with_tokenizer", "--examples", f.toString(), "--backend", "scalar", "--json");
        assertEquals(0, r.code(), r.err());
        var j = om.readTree(r.out());
        assertEquals(exp.get("loss").asDouble(), j.get("token_mean_loss").asDouble(), 1e-5);
        assertEquals(exp.get("loss").asDouble() / in.size(), j.get("lorahub_loss").asDouble(), 1e-5);
        for (int i = 0; i < in.size(); i++) {
            assertEquals(exp.get("loss_per_example").get(i).asDouble(), j.get("per_example").get(i).get("loss").asDouble(), 1e-5);
        }
        java.nio.file.Files.writeString(f, sb + "{\"input\": \"x\"}\n");
        CliRun bad = run("score", "--model", "fixtures/t5/with_tokenizer", "--examples", f.toString());
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("ex.jsonl:5") && bad.err().contains("output"), bad.err());
    }

    @Test
    void benchRunsOnTheTinyPreset() throws Exception {
        CliRun r = run("bench", "t5", "--preset", "tiny", "--iterations", "1", "--warmup", "0", "--input-tokens", "16", "--new-tokens", "4",
                "--threads", "1", "--bandwidth-mb", "8", "--json");
        assertEquals(0, r.code(), r.err());
        var j = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.out());
        assertTrue(j.get("loss_pass_median_s").asDouble() > 0 && j.get("greedy_tokens").asInt() >= 1, r.out());
        assertTrue(Double.isFinite(j.get("loss_value").asDouble()), r.out());
        assertTrue(j.get("read_bandwidth_before_gbs").asDouble() > 0 && j.get("read_bandwidth_after_gbs").asDouble() > 0, r.out());
        // tiny preset (d_model 64, d_kv·heads 64, d_ff 128, 2 decoder layers, vocab 512), F32: per layer self q/k/v/o
        // 4·64·64, cross q/o 2·64·64, wi_0/wi_1/wo 3·128·64, plus the 512 × 64 LM head
        long perToken = 4L * (2 * (6 * 64 * 64 + 3 * 128 * 64) + 512 * 64);
        assertEquals(perToken, j.get("decode_weight_bytes_per_token").asLong(), r.out());
        assertTrue(j.get("decode_weight_gbs").asDouble() > 0, r.out());
        r = run("bench", "t5", "--preset", "tiny", "--bandwidth-mb", "-5");
        assertEquals(2, r.code(), r.out());
        assertTrue(r.err().contains("--bandwidth-mb must be 0 (skip) to 4096, got -5"), r.err());
    }

    @Test
    void forwardRejectsInputsWithoutIdsAndUnknownModels(@TempDir Path tmp) {
        CliRun r = run("forward", "--model", "fixtures/t5/relu_tied", "--input", "fixtures/t5/buckets.safetensors",
                "--out", tmp.resolve("o.safetensors").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("'input_ids'"), r.err());
        CliRun s = run("forward", "--model", tmp.toString(), "--input", "fixtures/t5/buckets.safetensors", "--out", tmp.resolve("o.safetensors").toString());
        assertEquals(2, s.code());
        assertTrue(s.err().contains("config.json"), s.err());
    }
}
