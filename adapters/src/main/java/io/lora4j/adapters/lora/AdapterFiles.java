package io.lora4j.adapters.lora;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lora4j.engine.BadInputException;
import io.lora4j.engine.DType;
import io.lora4j.engine.Tensor;
import io.lora4j.engine.io.SafetensorsFile;
import io.lora4j.engine.io.TensorSource;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Reading and writing PEFT adapter directories and plain checkpoints: weight files, atomic directory
 * creation (build in a temporary sibling, then rename).
 */
public final class AdapterFiles {
    private static final ObjectMapper JSON = new ObjectMapper();

    private AdapterFiles() {}

    /** Opens {@code adapter_model.safetensors} (preferred) or {@code adapter_model.bin} of a PEFT directory. */
    public static TensorSource openWeights(Path dir) {
        Path st = dir.resolve("adapter_model.safetensors");
        if (Files.isRegularFile(st)) return SafetensorsFile.open(st);
        Path bin = dir.resolve("adapter_model.bin");
        if (Files.isRegularFile(bin)) {
            throw new BadInputException(bin + ": reading adapter_model.bin needs the PyTorch checkpoint reader, not in this build yet; convert to safetensors");
        }
        throw new BadInputException(dir + ": no adapter_model.safetensors or adapter_model.bin in this adapter directory");
    }

    /**
     * Writes {@code adapter} as a PEFT directory {@code dir} (adapter_config.json from {@code config},
     * adapter_model.safetensors in F32), atomically: {@code dir} must not exist or be an empty directory.
     */
    public static void writePeft(Path dir, LoraAdapter adapter, ObjectNode config) {
        writeDirectory(dir, tmp -> {
            JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.resolve(LoraConfig.FILE_NAME).toFile(), config);
            Map<String, Tensor> t = new LinkedHashMap<>();
            adapter.peftTensors().forEach((k, v) -> t.put(k, v));
            writeSafetensors(tmp.resolve("adapter_model.safetensors"), t, null, Map.of("format", "pt"));
        });
    }

    /** Something that fills a temporary directory. */
    @FunctionalInterface
    public interface DirectoryFiller {
        void fill(Path tmp) throws IOException;
    }

    /**
     * Creates {@code dir} atomically: {@code filler} writes into a temporary sibling directory that is then
     * renamed to {@code dir}. {@code dir} must not exist or be an empty directory (replaced).
     */
    public static void writeDirectory(Path dir, DirectoryFiller filler) {
        Path abs = dir.toAbsolutePath().normalize();
        try {
            if (Files.exists(abs)) {
                if (!Files.isDirectory(abs)) throw new BadInputException(dir + ": exists and is not a directory");
                try (Stream<Path> s = Files.list(abs)) {
                    if (s.findAny().isPresent()) throw new BadInputException(dir + ": exists and is not empty; choose a new output directory");
                }
            }
            Path parent = abs.getParent();
            Files.createDirectories(parent);
            Path tmp = Files.createTempDirectory(parent, "." + abs.getFileName() + ".tmp");
            try {
                filler.fill(tmp);
                if (Files.exists(abs)) Files.delete(abs);
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException | RuntimeException e) {
                deleteTree(tmp);
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": " + e.getMessage(), e);
        }
    }

    static void deleteTree(Path p) {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            s.sorted(Comparator.reverseOrder()).forEach(q -> {
                try {
                    Files.deleteIfExists(q);
                } catch (IOException ignored) {
                    // best effort clean-up of our own temporary files
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }

    /**
     * Writes a safetensors file (to {@code file}, directly: callers write into a temporary directory).
     * Each tensor is stored in {@code dtypes.get(name)} if given (F32, BF16 or F16), else in its own dtype
     * when it is a contiguous mapped view, else F32.
     */
    public static void writeSafetensors(Path file, Map<String, Tensor> tensors, Map<String, DType> dtypes, Map<String, String> metadata)
            throws IOException {
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode m = header.putObject("__metadata__");
            metadata.forEach(m::put);
        }
        Map<String, DType> out = new LinkedHashMap<>();
        long off = 0;
        for (var e : tensors.entrySet()) {
            Tensor t = e.getValue();
            DType dt = dtypes == null ? null : dtypes.get(e.getKey());
            if (dt == null) dt = (!t.isHeapF32() && t.isContiguous() && t.dtype().isFloat()) ? t.dtype() : DType.F32;
            if (dt != DType.F32 && dt != DType.BF16 && dt != DType.F16 && dt != t.dtype()) {
                throw new IllegalArgumentException("cannot store " + e.getKey() + " as " + dt);
            }
            out.put(e.getKey(), dt);
            long n = (long) t.numel() * dt.byteSize();
            ObjectNode te = header.putObject(e.getKey());
            te.put("dtype", dt.name());
            var sh = te.putArray("shape");
            for (int d : t.shape()) sh.add(d);
            var offs = te.putArray("data_offsets");
            offs.add(off);
            offs.add(off + n);
            off += n;
        }
        byte[] hb = JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        int pad = (int) ((8 - (hb.length % 8)) % 8);
        try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(hb.length + pad);
            os.write(len.array());
            os.write(hb);
            for (int i = 0; i < pad; i++) os.write(' ');
            for (var e : tensors.entrySet()) writeData(os, e.getValue(), out.get(e.getKey()));
        }
    }

    private static void writeData(OutputStream os, Tensor t, DType dt) throws IOException {
        if (dt == t.dtype() && !t.isHeapF32() && t.isContiguous()) {
            long bytes = (long) t.numel() * dt.byteSize();
            var seg = t.segment().asSlice(t.offset() * dt.byteSize(), bytes);
            byte[] buf = new byte[1 << 16];
            for (long p = 0; p < bytes; p += buf.length) {
                int n = (int) Math.min(buf.length, bytes - p);
                java.lang.foreign.MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, p, buf, 0, n);
                os.write(buf, 0, n);
            }
            return;
        }
        float[] v = t.toFloatArray();
        ByteBuffer bb = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            if (bb.remaining() < 4) {
                os.write(bb.array(), 0, bb.position());
                bb.clear();
            }
            switch (dt) {
                case F32 -> bb.putFloat(f);
                case BF16 -> bb.putShort(Tensor.floatToBf16(f));
                case F16 -> bb.putShort(Float.floatToFloat16(f));
                default -> throw new IllegalArgumentException("cannot convert to " + dt);
            }
        }
        os.write(bb.array(), 0, bb.position());
    }
}
