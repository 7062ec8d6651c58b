package io.lora4j.tests.lora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lora4j.engine.Tensor;
import io.lora4j.engine.io.SafetensorsFile;
import io.lora4j.tools.Lora4jCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lora4j merge} end to end on the PEFT fixtures. */
class MergeCommandTest {

    @Test
    void lorahubComposeMergeMatchesComposedReferenceFactors(@TempDir Path tmp) {
        Path out = tmp.resolve("m");
        int rc = Lora4jCli.commandLine().execute("merge", "--quiet", "--model", LoraFixtures.MODEL.toString(),
                "--adapter", LoraFixtures.adapter("hub0").toString(), "--adapter", LoraFixtures.adapter("hub1").toString(),
                "--adapter", LoraFixtures.adapter("hub2").toString(), "--weights", "0.8,-0.45,1.2", "--compose", "lorahub",
                "--out", out.toString());
        assertEquals(0, rc);
        // expected: W0 + 2·B'A' with A', B' the reference composition (scaling lora_alpha/r = 8/4)
        SafetensorsFile base = SafetensorsFile.open(LoraFixtures.MODEL.resolve("model.safetensors"));
        SafetensorsFile merged = SafetensorsFile.open(out.resolve("model.safetensors"));
        String layer = "decoder.block.1.layer.1.EncDecAttention.v";
        Tensor a = LoraFixtures.expected("hub.base_model.model." + layer + ".lora_A.weight");
        Tensor b = LoraFixtures.expected("hub.base_model.model." + layer + ".lora_B.weight");
        Tensor w0 = base.get(layer + ".weight"), w = merged.get(layer + ".weight");
        float maxDiff = 0;
        for (int i = 0; i < w0.dim(0); i++)
            for (int j = 0; j < w0.dim(1); j++) {
                double acc = 0;
                for (int k = 0; k < a.dim(0); k++) acc += (double) b.get(i, k) * a.get(k, j);
                maxDiff = Math.max(maxDiff, (float) Math.abs(w0.get(i, j) + 2 * acc - w.get(i, j)));
            }
        assertTrue(maxDiff < 1e-5f, "max |diff| " + maxDiff);
        assertTrue(Files.isRegularFile(out.resolve("tokenizer.json")));
    }

    @Test
    void badInputExitsWithTwoAndNamesTheProblem(@TempDir Path tmp) {
        StringWriter err = new StringWriter();
        var cl = Lora4jCli.commandLine();
        cl.setErr(new PrintWriter(err));
        int rc = cl.execute("merge", "--model", LoraFixtures.MODEL.toString(), "--adapter", LoraFixtures.adapter("plain").toString(),
                "--weights", "1,2", "--out", tmp.resolve("x").toString());
        assertEquals(2, rc);
        assertTrue(err.toString().contains("--weights"), err.toString());
        assertFalse(Files.exists(tmp.resolve("x")));
    }
}
