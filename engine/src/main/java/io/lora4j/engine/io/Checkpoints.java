package io.lora4j.engine.io;

import com.fasterxml.jackson.databind.JsonNode;
import io.lora4j.engine.BadInputException;
import io.lora4j.engine.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Opens weights wherever Hugging Face tools put them: a model directory ({@code model.safetensors},
 * sharded {@code model.safetensors.index.json}, {@code pytorch_model.bin}, sharded
 * {@code pytorch_model.bin.index.json}), a PEFT adapter directory ({@code adapter_model.safetensors}
 * or {@code adapter_model.bin}), or any single weight file.
 */
public final class Checkpoints {
    private static final String[] MODEL_FILES = {"model.safetensors", "model.safetensors.index.json", "pytorch_model.bin", "pytorch_model.bin.index.json"};
    private static final String[] ADAPTER_FILES = {"adapter_model.safetensors", "adapter_model.bin"};

    private Checkpoints() {}

    /** A model directory's weights (or a single weight file). */
    public static TensorSource open(Path dirOrFile) {
        return openFrom(dirOrFile, MODEL_FILES, "model");
    }

    /** A PEFT adapter directory's weights ({@code adapter_model.safetensors} preferred over {@code adapter_model.bin}), or one file. */
    public static TensorSource openAdapter(Path dirOrFile) {
        return openFrom(dirOrFile, ADAPTER_FILES, "adapter");
    }

    /** Any weight file, or a directory holding model or adapter weights. */
    public static TensorSource openAny(Path dirOrFile) {
        if (Files.isDirectory(dirOrFile)) {
            for (String[] names : new String[][] {MODEL_FILES, ADAPTER_FILES}) {
                for (String n : names) if (Files.isRegularFile(dirOrFile.resolve(n))) return openFile(dirOrFile.resolve(n));
            }
            throw new BadInputException(dirOrFile + ": no weights in this directory (looked for " + String.join(", ", MODEL_FILES)
                    + ", " + String.join(", ", ADAPTER_FILES) + ")");
        }
        return openFrom(dirOrFile, MODEL_FILES, "model");
    }

    private static TensorSource openFrom(Path dirOrFile, String[] names, String kind) {
        if (!Files.exists(dirOrFile)) throw new BadInputException(dirOrFile + ": no such file or directory");
        if (!Files.isDirectory(dirOrFile)) return openFile(dirOrFile);
        for (String n : names) {
            Path p = dirOrFile.resolve(n);
            if (Files.isRegularFile(p)) return openFile(p);
        }
        throw new BadInputException(dirOrFile + ": no " + kind + " weights in this directory (looked for " + String.join(", ", names) + ")");
    }

    /** Opens one weight file: by extension, else by its first bytes (zip → PyTorch, otherwise safetensors). */
    public static TensorSource openFile(Path file) {
        if (!Files.isRegularFile(file)) throw new BadInputException(file + ": no such file");
        String n = file.getFileName().toString();
        if (n.endsWith(".safetensors")) return SafetensorsFile.open(file);
        if (n.endsWith(".index.json")) return openSharded(file);
        if (n.endsWith(".bin") || n.endsWith(".pt") || n.endsWith(".pth") || n.endsWith(".ckpt")) return PyTorchCheckpoint.open(file);
        byte[] head = new byte[4];
        try (InputStream in = Files.newInputStream(file)) {
            int r = in.readNBytes(head, 0, 4);
            if (r == 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) return PyTorchCheckpoint.open(file);
        } catch (IOException e) {
            throw new BadInputException(file + ": cannot read: " + e.getMessage());
        }
        return SafetensorsFile.open(file);
    }

    /** A sharded checkpoint: an index {"metadata": {...}, "weight_map": {tensor name: shard file}} next to its shards. */
    public static TensorSource openSharded(Path index) {
        JsonNode root;
        try {
            root = SafetensorsFile.JSON.readTree(index.toFile());
        } catch (IOException e) {
            throw new BadInputException(index + ": not valid JSON: " + SafetensorsFile.firstLine(e.getMessage()));
        }
        JsonNode map = root == null ? null : root.get("weight_map");
        if (map == null || !map.isObject()) throw new BadInputException(index + ": missing object field 'weight_map'");
        Path dir = index.toAbsolutePath().normalize().getParent();
        Map<String, TensorSource> shards = new LinkedHashMap<>();
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        Map<String, String> meta = new LinkedHashMap<>();
        for (var it = map.fields(); it.hasNext(); ) {
            var e = it.next();
            if (!e.getValue().isTextual()) throw new BadInputException(index + ": weight_map['" + e.getKey() + "'] is not a file name");
            String shardName = e.getValue().asText();
            Path shard = dir.resolve(shardName).normalize();
            if (!shard.startsWith(dir) || shard.equals(dir)) {
                throw new BadInputException(index + ": shard '" + shardName + "' lies outside the checkpoint directory");
            }
            TensorSource f = shards.computeIfAbsent(shardName, k -> shardName.endsWith(".safetensors") ? SafetensorsFile.open(shard) : PyTorchCheckpoint.open(shard));
            Tensor t = f.find(e.getKey());
            if (t == null) throw new BadInputException(index + ": tensor '" + e.getKey() + "' is mapped to " + shardName + " but that shard lacks it");
            tensors.put(e.getKey(), t);
        }
        for (TensorSource f : shards.values()) meta.putAll(f.metadata());
        return new MapSource(index.toString(), tensors, meta);
    }

    /** A TensorSource over an in-memory map (tests, composed adapters, merged models). */
    public static TensorSource of(String origin, Map<String, Tensor> tensors) {
        return new MapSource(origin, new LinkedHashMap<>(tensors), Map.of());
    }

    static TensorSource prefixed(TensorSource src, String prefix) {
        Map<String, Tensor> t = new LinkedHashMap<>();
        for (String n : src.names()) if (n.startsWith(prefix)) t.put(n.substring(prefix.length()), src.find(n));
        return new MapSource(src.origin() + " (under '" + prefix + "')", t, src.metadata());
    }

    private record MapSource(String origin, Map<String, Tensor> tensors, Map<String, String> meta) implements TensorSource {
        MapSource {
            tensors = Collections.unmodifiableMap(tensors);
            meta = Collections.unmodifiableMap(new LinkedHashMap<>(meta));
        }

        @Override
        public Set<String> names() {
            return Collections.unmodifiableSet(new LinkedHashSet<>(tensors.keySet()));
        }

        @Override
        public Tensor find(String name) {
            return tensors.get(name);
        }

        @Override
        public Map<String, String> metadata() {
            return meta;
        }
    }
}
