package io.lora4j.tests.lora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lora4j.engine.DType;
import io.lora4j.engine.Tensor;
import io.lora4j.engine.io.SafetensorsFile;
import io.lora4j.engine.io.SafetensorsWriter;
import io.lora4j.tools.Lora4jCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code lora4j forward --adapter}: the PEFT fixture adapter applied unmerged through the CLI gives PEFT's logits
 * (expected "plain.logits" from tools/reference/lora_fixtures.py; tolerance as LoraT5ParityTest, 2e-4).
 */
class ForwardAdapterCliTest {

    static int run(StringWriter err, String... args) {
        CommandLine cl = Lora4jCli.commandLine();
        cl.setOut(new PrintWriter(new StringWriter(), true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    static Tensor asTensor(int[][] ids) {
        int rows = ids.length, cols = ids[0].length;
        float[] f = new float[rows * cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) f[i * cols + j] = ids[i][j];
        }
        return Tensor.of(f, rows, cols);
    }

    @Test
    void forwardWithAdapterMatchesPeftLogits(@TempDir Path tmp) {
        Path in = tmp.resolve("in.safetensors"), out = tmp.resolve("out.safetensors");
        new SafetensorsWriter()
                .add("input_ids", asTensor(LoraT5ParityTest.ids("enc_ids")), DType.I64)
                .add("decoder_input_ids", asTensor(LoraT5ParityTest.ids("dec_ids")), DType.I64)
                .write(in);
        StringWriter err = new StringWriter();
        int code = run(err, "forward", "--model", LoraFixtures.MODEL.toString(), "--adapter", LoraFixtures.adapter("plain").toString(),
                "--input", in.toString(), "--out", out.toString(), "--quiet");
        assertEquals(0, code, err.toString());
        float d = LoraFixtures.maxAbsDiff(LoraFixtures.expected("plain.logits").toFloatArray(), SafetensorsFile.open(out).get("logits").toFloatArray());
        assertTrue(d < 2e-4f, "max |diff| " + d);
        // and without the adapter, the base model's logits (so the adapter really was applied)
        Path outBase = tmp.resolve("base.safetensors");
        assertEquals(0, run(err, "forward", "--model", LoraFixtures.MODEL.toString(), "--input", in.toString(), "--out", outBase.toString(), "--quiet"));
        float b = LoraFixtures.maxAbsDiff(LoraFixtures.expected("base.logits").toFloatArray(), SafetensorsFile.open(outBase).get("logits").toFloatArray());
        assertTrue(b < 2e-4f, "base max |diff| " + b);
    }

    @Test
    void adapterForAnotherModelIsBadInput(@TempDir Path tmp) {
        Path in = tmp.resolve("in.safetensors");
        new SafetensorsWriter().add("pixel_values", Tensor.zeros(1, 3, 4, 4)).write(in);
        StringWriter err = new StringWriter();
        int code = run(err, "forward", "--model", "fixtures/vit/hf-vit-cls", "--adapter", LoraFixtures.adapter("plain").toString(),
                "--input", in.toString(), "--out", tmp.resolve("o.safetensors").toString());
        assertEquals(2, code, err.toString());
    }
}
