package io.lora4j.engine.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lora4j.engine.BadInputException;
import io.lora4j.engine.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Opens the weights of an HF model directory (or a single weight file): {@code model.safetensors},
 * a sharded {@code model.safetensors.index.json}, or a PyTorch {@code pytorch_model.bin}.
 */
public final class Checkpoints {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Checkpoints() {}

    /** Opens a directory's weights or a single weight file. */
    public static TensorSource open(Path dirOrFile) {
        if (!Files.exists(dirOrFile)) throw new BadInputException(dirOrFile + ": no such file or directory");
        if (!Files.isDirectory(dirOrFile)) return openFile(dirOrFile);
        Path single = dirOrFile.resolve("model.safetensors");
        if (Files.isRegularFile(single)) return SafetensorsFile.open(single);
        Path index = dirOrFile.resolve("model.safetensors.index.json");
        if (Files.isRegularFile(index)) return openSharded(index);
        throw new BadInputException(dirOrFile + ": no model.safetensors or model.safetensors.index.json in this directory");
    }

    /** Opens one weight file by its extension. */
    public static TensorSource openFile(Path file) {
        String n = file.getFileName().toString();
        if (n.endsWith(".safetensors")) return SafetensorsFile.open(file);
        if (n.endsWith(".index.json")) return openSharded(file);
        throw new BadInputException(file + ": unsupported weight file (expected .safetensors or .index.json)");
    }

    /** A sharded checkpoint: {"weight_map": {tensor name: shard file name}}. */
    public static TensorSource openSharded(Path index) {
        JsonNode root;
        try {
            root = JSON.readTree(index.toFile());
        } catch (IOException e) {
            throw new BadInputException(index + ": not valid JSON: " + e.getMessage());
        }
        JsonNode map = root == null ? null : root.get("weight_map");
        if (map == null || !map.isObject()) throw new BadInputException(index + ": missing object field 'weight_map'");
        Map<String, SafetensorsFile> shards = new LinkedHashMap<>();
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        Map<String, String> meta = new LinkedHashMap<>();
        for (var it = map.fields(); it.hasNext(); ) {
            var e = it.next();
            String shardName = e.getValue().asText();
            Path shard = index.resolveSibling(shardName).normalize();
            if (!shard.getParent().equals(index.toAbsolutePath().getParent().normalize()) && !shard.startsWith(index.getParent() == null ? Path.of("") : index.getParent())) {
                throw new BadInputException(index + ": shard '" + shardName + "' lies outside the checkpoint directory");
            }
            SafetensorsFile f = shards.computeIfAbsent(shardName, k -> SafetensorsFile.open(shard));
            Tensor t = f.find(e.getKey());
            if (t == null) throw new BadInputException(index + ": tensor '" + e.getKey() + "' is mapped to " + shardName + " but that shard lacks it");
            tensors.put(e.getKey(), t);
        }
        for (SafetensorsFile f : shards.values()) meta.putAll(f.metadata());
        return new MapSource(index.toString(), tensors, meta);
    }

    /** A TensorSource over an in-memory map (tests, composed adapters, merged models). */
    public static TensorSource of(String origin, Map<String, Tensor> tensors) {
        return new MapSource(origin, new LinkedHashMap<>(tensors), Map.of());
    }

    private record MapSource(String origin, Map<String, Tensor> tensors, Map<String, String> meta) implements TensorSource {
        MapSource {
            tensors = Collections.unmodifiableMap(tensors);
            meta = Collections.unmodifiableMap(meta);
        }

        @Override
        public Set<String> names() {
            return new LinkedHashSet<>(tensors.keySet());
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
