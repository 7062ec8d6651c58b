package io.lora4j.adapters.glora;

import io.lora4j.engine.io.AtomicFile;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lora4j.engine.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A GLoRA configuration of a whole model: one {@link GloraLayerConfig} per adapted layer, keyed by the
 * layer name (the weight name without ".weight", e.g. {@code blocks.0.attn.qkv}), in model order.
 *
 * <p>File form (JSON): {@code {"blocks.0.attn.qkv": {"A": "LoRA_4", "B": "vector", "C": "none",
 * "D": "constant", "E": "none"}, ...}}.
 */
public final class GloraConfig {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Map<String, GloraLayerConfig> layers;

    public GloraConfig(Map<String, GloraLayerConfig> layers) {
        this.layers = Collections.unmodifiableMap(new LinkedHashMap<>(layers));
    }

    /** Every layer of {@code shapes} in {@code mode}. */
    public static GloraConfig uniform(Collection<LayerShape> shapes, GloraLayerConfig mode) {
        Map<String, GloraLayerConfig> m = new LinkedHashMap<>();
        for (LayerShape s : shapes) m.put(s.name(), mode);
        return new GloraConfig(m);
    }

    /** Layer name → configuration, in model order (unmodifiable). */
    public Map<String, GloraLayerConfig> layers() {
        return layers;
    }

    /** The configuration of {@code layer}, or null. */
    public GloraLayerConfig get(String layer) {
        return layers.get(layer);
    }

    /** Total parameters over {@code shapes} (every layer of the configuration must be among them). */
    public long paramCount(Map<String, LayerShape> shapes) {
        long n = 0;
        for (var e : layers.entrySet()) {
            LayerShape s = shapes.get(e.getKey());
            if (s == null) throw new BadInputException("configuration names layer '" + e.getKey() + "', which the model does not have");
            n += e.getValue().paramCount(s.out(), s.in());
        }
        return n;
    }

    /**
     * Checks this configuration against a model's adapted layers and supernet rank: every layer present,
     * no unknown layer, every LoRA rank ≤ {@code supernetRank}. {@code where} names the source in errors.
     */
    public void validate(Map<String, LayerShape> shapes, int supernetRank, String where) {
        for (String name : layers.keySet()) {
            if (!shapes.containsKey(name)) throw new BadInputException(where + ": layer '" + name + "' is not an adapted layer of the model");
        }
        for (String name : shapes.keySet()) {
            if (!layers.containsKey(name)) throw new BadInputException(where + ": no configuration for layer '" + name + "'");
        }
        for (var e : layers.entrySet()) {
            if (e.getValue().maxRank() > supernetRank) {
                throw new BadInputException(where + ": layer '" + e.getKey() + "' uses LoRA rank " + e.getValue().maxRank()
                        + " but the supernet rank is " + supernetRank);
            }
        }
    }

    // ------------------------------------------------------------------ JSON

    /** The JSON object form. */
    public ObjectNode toJson() {
        ObjectNode root = JSON.createObjectNode();
        for (var e : layers.entrySet()) {
            ObjectNode o = root.putObject(e.getKey());
            for (GloraPath p : GloraPath.values()) o.put(p.name(), e.getValue().mode(p).toString());
        }
        return root;
    }

    /** Parses the JSON object form; {@code where} names the source in errors. */
    public static GloraConfig fromJson(JsonNode root, String where) {
        if (root == null || !root.isObject()) throw new BadInputException(where + ": expected a JSON object {layer name: {\"A\": mode, ..., \"E\": mode}}");
        Map<String, GloraLayerConfig> m = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            var e = it.next();
            String lw = where + ": layer '" + e.getKey() + "'";
            JsonNode o = e.getValue();
            if (!o.isObject()) throw new BadInputException(lw + ": expected an object with fields \"A\"..\"E\"");
            for (Iterator<String> f = o.fieldNames(); f.hasNext(); ) {
                String k = f.next();
                if (!k.matches("[A-E]")) throw new BadInputException(lw + ": unknown field \"" + k + "\" (expected \"A\"..\"E\")");
            }
            GloraMode[] modes = new GloraMode[5];
            for (GloraPath p : GloraPath.values()) {
                JsonNode v = o.get(p.name());
                if (v == null || !v.isTextual()) throw new BadInputException(lw + ": field \"" + p + "\" must be a mode string");
                modes[p.ordinal()] = GloraMode.parse(v.asText(), lw + " path " + p);
            }
            m.put(e.getKey(), GloraLayerConfig.of(modes, lw));
        }
        return new GloraConfig(m);
    }

    /** Reads a configuration file. */
    public static GloraConfig read(Path file) {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(file));
        } catch (java.nio.file.NoSuchFileException e) {
            throw new BadInputException(file + ": no such file");
        } catch (IOException e) {
            throw new BadInputException(file + ": not valid JSON: " + e.getMessage());
        }
        return fromJson(root, file.toString());
    }

    /** Writes the configuration file atomically. */
    public void write(Path file) {
        try {
            AtomicFile.write(file, JSON.writeValueAsBytes(toJson()));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GloraConfig g && g.layers.equals(layers);
    }

    @Override
    public int hashCode() {
        return layers.hashCode();
    }

    @Override
    public String toString() {
        return layers.toString();
    }
}
