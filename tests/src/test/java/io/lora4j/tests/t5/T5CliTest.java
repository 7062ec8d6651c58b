package io.lora4j.tests.t5;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lora4j.engine.io.SafetensorsFile;
import io.lora4j.tools.Lora4jCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code lora4j forward} (and later generate/score) on the HF-written fixture directories. */
class T5CliTest {
    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        CommandLine cl = Lora4jCli.commandLine();
        StringWriter out = new StringWriter(), err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void forwardWritesHfNamedOutputsMatchingHf(@TempDir Path tmp) {
        T5Fixture f = new T5Fixture("gated_gelu_untied");
        Path out = tmp.resolve("out.safetensors");
        // expected.safetensors holds input_ids, attention_mask and decoder_input_ids as I64, as users would write them
        Run r = run("forward", "--model", f.dir.toString(), "--input", f.dir.resolve("expected.safetensors").toString(),
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

    @Test
    void forwardRejectsInputsWithoutIdsAndUnknownModels(@TempDir Path tmp) {
        Run r = run("forward", "--model", "fixtures/t5/relu_tied", "--input", "fixtures/t5/buckets.safetensors",
                "--out", tmp.resolve("o.safetensors").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("'input_ids'"), r.err());
        Run s = run("forward", "--model", tmp.toString(), "--input", "fixtures/t5/buckets.safetensors", "--out", tmp.resolve("o.safetensors").toString());
        assertEquals(2, s.code());
        assertTrue(s.err().contains("config.json"), s.err());
    }
}
