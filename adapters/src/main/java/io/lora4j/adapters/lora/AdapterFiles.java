package io.lora4j.adapters.lora;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lora4j.engine.BadInputException;
import io.lora4j.engine.DType;
import io.lora4j.engine.Tensor;
import io.lora4j.engine.io.Checkpoints;
import io.lora4j.engine.io.SafetensorsWriter;
import io.lora4j.engine.io.TensorSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
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
        if (!Files.isDirectory(dir)) throw new BadInputException(dir + ": not an adapter directory");
        return Checkpoints.openAdapter(dir);
    }

    /**
     * Writes {@code adapter} as a PEFT directory {@code dir} (adapter_config.json from {@code config},
     * adapter_model.safetensors in F32), atomically: {@code dir} must not exist or be an empty directory.
     */
    public static void writePeft(Path dir, LoraAdapter adapter, ObjectNode config) {
        writeDirectory(dir, tmp -> {
            JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.resolve(LoraConfig.FILE_NAME).toFile(), config);
            writeSafetensors(tmp.resolve("adapter_model.safetensors"), adapter.peftTensors(), null, Map.of("format", "pt"));
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

    /** Deletes a directory tree this program wrote earlier (e.g. the previous run's output), if present. */
    public static void deleteTreeIfExists(Path p) {
        deleteTree(p);
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
     * Writes a safetensors file (atomically, with {@link SafetensorsWriter}). Each tensor is stored in
     * {@code dtypes.get(name)} if given, else in its own dtype (heap tensors as F32).
     */
    public static void writeSafetensors(Path file, Map<String, Tensor> tensors, Map<String, DType> dtypes, Map<String, String> metadata) {
        SafetensorsWriter w = new SafetensorsWriter();
        if (metadata != null) w.metadata(metadata);
        for (var e : tensors.entrySet()) {
            DType dt = dtypes == null ? null : dtypes.get(e.getKey());
            if (dt == null) w.add(e.getKey(), e.getValue());
            else w.add(e.getKey(), e.getValue(), dt);
        }
        w.write(file);
    }
}
