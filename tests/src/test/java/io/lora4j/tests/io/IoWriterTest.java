package io.lora4j.tests.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.lora4j.engine.DType;
import io.lora4j.engine.Tensor;
import io.lora4j.engine.io.SafetensorsWriter;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Python compatibility of {@link SafetensorsWriter}: fixtures/io/java_written.safetensors was written
 * by {@link #write(Path)} and is loaded and checked value by value with Python's safetensors by
 * tools/reference/io_fixtures.py (it prints "loads in Python safetensors ... OK"). This test
 * asserts the writer still produces exactly those bytes, so the Python check keeps covering it.
 * To regenerate after an intended format change: run with -Dlora4j.regen=true, then rerun the script.
 */
class IoWriterTest {
    @TempDir
    Path dir;

    static void write(Path out) {
        float[] ar = new float[12];
        for (int i = 0; i < 12; i++) ar[i] = i * 0.5f - 2f;
        Tensor f = Tensor.of(ar, 3, 4);
        new SafetensorsWriter()
                .metadata("format", "pt").metadata("writer", "lora4j")
                .add("f32", f)
                .add("bf16", f, DType.BF16)
                .add("f16", f, DType.F16)
                .add("i64", Tensor.ofSegment(MemorySegment.ofArray(new long[] {-5, 0, 5, 1L << 40}), DType.I64, 4))
                .add("i32", Tensor.ofSegment(MemorySegment.ofArray(new int[] {1, 2, 3, -4}), DType.I32, 2, 2))
                .add("u8", Tensor.ofSegment(MemorySegment.ofArray(new byte[] {0, 7, (byte) 255}), DType.U8, 3))
                .add("bool", Tensor.ofSegment(MemorySegment.ofArray(new byte[] {1, 0}), DType.BOOL, 2))
                .write(out);
    }

    @Test
    void writerOutputIsTheFilePythonChecked() throws IOException {
        Path committed = IoFixtureTest.DIR.resolve("java_written.safetensors");
        if (Boolean.getBoolean("lora4j.regen")) write(committed);
        Path fresh = dir.resolve("fresh.safetensors");
        write(fresh);
        assertArrayEquals(Files.readAllBytes(committed), Files.readAllBytes(fresh));
    }
}
