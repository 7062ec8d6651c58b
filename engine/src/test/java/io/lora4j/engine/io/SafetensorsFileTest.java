package io.lora4j.engine.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lora4j.engine.BadInputException;
import io.lora4j.engine.DType;
import io.lora4j.engine.Tensor;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsFileTest {
    @TempDir
    Path dir;

    /** A safetensors image from a header string and a data area of {@code dataBytes} bytes (values 0,1,2,...). */
    static byte[] image(String header, int dataBytes) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return image(h, h.length, dataBytes);
    }

    static byte[] image(byte[] h, long claimedLen, int dataBytes) {
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(claimedLen).put(h);
        for (int i = 0; i < dataBytes; i++) b.put((byte) i);
        return b.array();
    }

    private Path file(byte[] bytes) throws IOException {
        Path p = dir.resolve("bad.safetensors");
        Files.write(p, bytes);
        return p;
    }

    private String error(byte[] bytes) throws IOException {
        Path p = file(bytes);
        BadInputException e = assertThrows(BadInputException.class, () -> SafetensorsFile.open(p));
        assertTrue(e.getMessage().startsWith(p.toString()), e.getMessage());
        return e.getMessage();
    }

    @Test
    void readsAValidFileAsViews() throws IOException {
        String h = "{\"__metadata__\":{\"format\":\"pt\"},\"a\":{\"dtype\":\"U8\",\"shape\":[2,2],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"I16\",\"shape\":[2],\"data_offsets\":[4,8]}}";
        SafetensorsFile f = SafetensorsFile.open(file(image(h, 8)));
        assertEquals(List.of("a", "b"), List.copyOf(f.names()));
        assertEquals(Map.of("format", "pt"), f.metadata());
        assertArrayEquals(new long[] {0, 1, 2, 3}, f.get("a", 2, 2).toLongArray());
        assertArrayEquals(new long[] {0x0504, 0x0706}, f.get("b").toLongArray());
        assertEquals(DType.I16, f.entries().get("b").dtype());
    }

    @Test
    void rejectsEveryKindOfMalformedHeader() throws IOException {
        assertTrue(error(new byte[5]).contains("shorter than the 8-byte header length"));
        assertTrue(error(image(new byte[10], 50, 0)).contains("runs past the end"));
        assertTrue(error(image(new byte[10], 2L << 30, 0)).contains("outside [2, 100000000]"));
        assertTrue(error(image(new byte[10], -1, 0)).contains("outside [2, 100000000]"));
        assertTrue(error(image(new byte[] {'{', (byte) 0xc3, (byte) 0x28, '}'}, 4, 0)).contains("not valid UTF-8"));
        assertTrue(error(image("{\"a\":", 0)).contains("not valid JSON"));
        assertTrue(error(image("[1,2]", 0)).contains("not a JSON object"));
        String m = error(image("{\"w\":{\"dtype\":\"Q8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1));
        assertTrue(m.contains("tensor 'w'") && m.contains("unknown dtype 'Q8'"), m);
        m = error(image("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8));
        assertTrue(m.contains("tensor 'w'") && m.contains("needs 12 bytes but data_offsets span 8"), m);
        m = error(image("{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8));
        assertTrue(m.contains("tensor 'w'") && m.contains("outside the 8-byte data area"), m);
        m = error(image("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]}}", 8));
        assertTrue(m.contains("outside"), m);
        m = error(image("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8));
        assertTrue(m.contains("'a'") && m.contains("'b'") && m.contains("overlap"), m);
        m = error(image("{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}", 2));
        assertTrue(m.contains("Duplicate field 'a'"), m);
        m = error(image("{\"w\":{\"dtype\":\"U8\",\"shape\":[-1],\"data_offsets\":[0,1]}}", 1));
        assertTrue(m.contains("dimension 0"), m);
        m = error(image("{\"w\":{\"dtype\":\"U8\",\"shape\":[4294967296,4294967296,4294967296],\"data_offsets\":[0,1]}}", 1));
        assertTrue(m.contains("dimension 0"), m);
        m = error(image("{\"w\":{\"dtype\":\"U8\",\"shape\":[2147483647,2147483647,2147483647],\"data_offsets\":[0,1]}}", 1));
        assertTrue(m.contains("needs"), m);
        m = error(image("{\"__metadata__\":{\"k\":3}}", 0));
        assertTrue(m.contains("__metadata__ value of 'k'"), m);
        m = error(image("{\"w\":{\"dtype\":\"U8\",\"shape\":[1]}}", 1));
        assertTrue(m.contains("data_offsets must be [begin, end]"), m);
    }

    @Test
    void writerRoundTripsEveryDtypeAtomically() throws IOException {
        float[] v = {-2f, -0.5f, 0f, 1.25f, 3f, 1000f};
        Tensor f = Tensor.of(v, 2, 3);
        SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt");
        for (DType d : new DType[] {DType.F64, DType.F32, DType.F16, DType.BF16}) w.add(d.name(), f, d);
        Tensor ints = Tensor.ofSegment(MemorySegment.ofArray(new long[] {-5, 0, 5, 1L << 40}), DType.I64, 4);
        w.add("I64", ints).add("I32", ints, DType.I32);
        Path out = dir.resolve("out.safetensors");
        Files.writeString(out, "old contents");
        w.write(out);
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(out), s.toList(), "no temp file may remain");
        }
        SafetensorsFile r = SafetensorsFile.open(out);
        assertEquals(Map.of("format", "pt"), r.metadata());
        for (DType d : new DType[] {DType.F64, DType.F32, DType.F16, DType.BF16}) {
            assertEquals(d, r.get(d.name()).dtype());
            assertArrayEquals(v, r.get(d.name(), 2, 3).toFloatArray(), d.name());
        }
        assertArrayEquals(new long[] {-5, 0, 5, 1L << 40}, r.get("I64").toLongArray());
        assertArrayEquals(new long[] {-5, 0, 5, 0}, r.get("I32").toLongArray()); // 2^40 wraps in int32, as numpy astype does
        // copy a mapped tensor in its own dtype (raw bytes path) and read it back
        new SafetensorsWriter().add("bf", r.get("BF16")).write(dir.resolve("copy.safetensors"));
        assertArrayEquals(v, SafetensorsFile.open(dir.resolve("copy.safetensors")).get("bf").toFloatArray());
        long headerLen = ByteBuffer.wrap(Files.readAllBytes(out), 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, headerLen % 8, "header padded to 8 bytes");
    }

    @Test
    void writerRejectsDuplicatesAndReservedNames() {
        Tensor t = Tensor.zeros(1);
        assertThrows(BadInputException.class, () -> new SafetensorsWriter().add("a", t).add("a", t));
        assertThrows(BadInputException.class, () -> new SafetensorsWriter().add("__metadata__", t));
    }
}
