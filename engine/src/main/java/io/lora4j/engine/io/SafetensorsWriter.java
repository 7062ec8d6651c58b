package io.lora4j.engine.io;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lora4j.engine.BadInputException;
import io.lora4j.engine.DType;
import io.lora4j.engine.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes a safetensors file atomically: everything goes to a temporary file in the target's directory,
 * which is forced to disk and then renamed over the target, so a reader never sees a half-written file.
 *
 * <p>Tensors are stored in the order added, each in the dtype asked for (default: its own dtype; F32 heap
 * tensors as F32). Conversion to F16/BF16 rounds to nearest even like torch. The header is padded with
 * spaces to a multiple of 8 bytes, as the Python library does. Output loads with Python's
 * {@code safetensors.torch.load_file} (checked by tools/reference/io_fixtures.py on a committed
 * Java-written file, tests/fixtures/io/java_written.safetensors).
 *
 * <pre>{@code
 * new SafetensorsWriter().metadata("format", "pt").add("w", tensor, DType.BF16).write(path);
 * }</pre>
 */
public final class SafetensorsWriter {
    private record Item(Tensor tensor, DType dtype) {}

    private final Map<String, Item> items = new LinkedHashMap<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    /** Adds a tensor stored in its own dtype. */
    public SafetensorsWriter add(String name, Tensor t) {
        return add(name, t, t.dtype());
    }

    /** Adds a tensor stored as {@code dtype} (float tensors convert between float dtypes; integer tensors keep integer dtypes). */
    public SafetensorsWriter add(String name, Tensor t, DType dtype) {
        if (name == null || name.isEmpty() || name.equals("__metadata__")) throw new BadInputException("safetensors: invalid tensor name '" + name + "'");
        if (items.containsKey(name)) throw new BadInputException("safetensors: tensor '" + name + "' added twice");
        if (t.dtype().isFloat() != dtype.isFloat() && t.dtype() != DType.BOOL && dtype != DType.BOOL && !(t.isHeapF32())) {
            throw new BadInputException("safetensors: tensor '" + name + "' of " + t.dtype() + " cannot be stored as " + dtype);
        }
        items.put(name, new Item(t, dtype));
        return this;
    }

    /** Adds every tensor of a map, each in its own dtype. */
    public SafetensorsWriter addAll(Map<String, Tensor> tensors) {
        tensors.forEach(this::add);
        return this;
    }

    /** Adds a {@code __metadata__} entry. */
    public SafetensorsWriter metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    /** Adds {@code __metadata__} entries. */
    public SafetensorsWriter metadata(Map<String, String> m) {
        metadata.putAll(m);
        return this;
    }

    /** One-call form: writes {@code tensors} (own dtypes) and {@code metadata} to {@code out}. */
    public static void write(Path out, Map<String, Tensor> tensors, Map<String, String> metadata) {
        new SafetensorsWriter().addAll(tensors).metadata(metadata).write(out);
    }

    /** The serialized header (without its 8-byte length), padded to a multiple of 8 with spaces. */
    byte[] header() {
        ObjectNode root = SafetensorsFile.JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode m = root.putObject("__metadata__");
            metadata.forEach(m::put);
        }
        long off = 0;
        for (Map.Entry<String, Item> e : items.entrySet()) {
            Tensor t = e.getValue().tensor();
            ObjectNode n = root.putObject(e.getKey());
            n.put("dtype", e.getValue().dtype().name());
            ArrayNode s = n.putArray("shape");
            for (int d : t.shape()) s.add(d);
            long bytes = (long) t.numel() * e.getValue().dtype().byteSize();
            n.putArray("data_offsets").add(off).add(off + bytes);
            off += bytes;
        }
        byte[] json;
        try {
            json = SafetensorsFile.JSON.writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int padded = (json.length + 7) / 8 * 8;
        byte[] out = new byte[padded];
        System.arraycopy(json, 0, out, 0, json.length);
        for (int i = json.length; i < padded; i++) out[i] = ' ';
        return out;
    }

    /** Writes the file atomically (temp file in the same directory, fsync, rename). */
    public void write(Path out) {
        Path dir = out.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, "." + out.getFileName() + ".", ".tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                byte[] header = header();
                ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).flip();
                writeFully(ch, len);
                writeFully(ch, ByteBuffer.wrap(header));
                ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
                for (Item it : items.values()) writeTensor(ch, buf, it.tensor(), it.dtype());
                ch.force(true);
            }
            try {
                Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (java.nio.file.AtomicMoveNotSupportedException e) {
                Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (IOException e) {
            throw new UncheckedIOException(out + ": cannot write: " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort: the temp file is hidden and named after the target
                }
            }
        }
    }

    private static void writeTensor(FileChannel ch, ByteBuffer buf, Tensor t, DType dtype) throws IOException {
        int n = t.numel();
        if (t.segment() != null && t.dtype() == dtype && t.isContiguous()) {
            buf.flip();
            writeFully(ch, buf);
            buf.clear();
            long bs = dtype.byteSize();
            MemorySegment src = t.segment().asSlice(t.offset() * bs, n * bs);
            byte[] chunk = buf.array();
            for (long pos = 0; pos < src.byteSize(); pos += chunk.length) {
                int len = (int) Math.min(chunk.length, src.byteSize() - pos);
                MemorySegment.copy(src, ValueLayout.JAVA_BYTE, pos, chunk, 0, len);
                writeFully(ch, ByteBuffer.wrap(chunk, 0, len));
            }
            return;
        }
        boolean integral = !dtype.isFloat();
        long[] longs = integral && !t.isHeapF32() ? t.toLongArray() : null;
        float[] floats = longs == null ? t.toFloatArray() : null;
        int w = dtype.byteSize();
        for (int i = 0; i < n; i++) {
            if (buf.remaining() < w) {
                buf.flip();
                writeFully(ch, buf);
                buf.clear();
            }
            double v = floats != null ? floats[i] : longs[i];
            switch (dtype) {
                case F64 -> buf.putDouble(floats != null ? floats[i] : (double) longs[i]);
                case F32 -> buf.putFloat((float) v);
                case F16 -> buf.putShort(Float.floatToFloat16((float) v));
                case BF16 -> buf.putShort(Tensor.floatToBf16((float) v));
                case I64 -> buf.putLong(longs != null ? longs[i] : (long) v);
                case I32 -> buf.putInt(longs != null ? (int) longs[i] : (int) v);
                case I16 -> buf.putShort(longs != null ? (short) longs[i] : (short) v);
                case I8, U8 -> buf.put(longs != null ? (byte) longs[i] : (byte) v);
                case BOOL -> buf.put((byte) (v != 0 ? 1 : 0));
            }
        }
        buf.flip();
        writeFully(ch, buf);
        buf.clear();
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }
}
