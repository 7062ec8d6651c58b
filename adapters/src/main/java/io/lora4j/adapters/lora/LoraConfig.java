package io.lora4j.adapters.lora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lora4j.engine.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A PEFT {@code adapter_config.json} for LoRA, with PEFT's rules for which layers are adapted and with
 * what rank and scaling (peft 0.21 {@code check_target_module_exists} and {@code get_pattern_key}).
 *
 * <p>Supported: r, lora_alpha, target_modules (a list of names matched as a whole key or as its last
 * dotted components, or a regex string matched against the whole key), rank_pattern, alpha_pattern,
 * use_rslora (scaling alpha/√r), fan_in_fan_out (meaningless for nn.Linear layers: PEFT resets it to
 * false, and so does lora4j), layers_to_transform with layers_pattern, bias "none". Unknown keys are
 * ignored. Unsupported values (bias other than "none", DoRA, modules_to_save, a peft_type other than
 * LORA, exclude_modules, ...) raise a {@link BadInputException} naming the field.
 *
 * @param raw the JSON as read (kept so a composed adapter can be written with the same config)
 */
public record LoraConfig(
        int r,
        double loraAlpha,
        List<String> targetModuleList,
        String targetModuleRegex,
        Map<String, Integer> rankPattern,
        Map<String, Double> alphaPattern,
        boolean useRslora,
        boolean fanInFanOut,
        List<Integer> layersToTransform,
        List<String> layersPattern,
        String baseModelNameOrPath,
        String taskType,
        ObjectNode raw) {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** The file name PEFT uses. */
    public static final String FILE_NAME = "adapter_config.json";

    public LoraConfig {
        targetModuleList = targetModuleList == null ? null : List.copyOf(targetModuleList);
        rankPattern = Collections.unmodifiableMap(new LinkedHashMap<>(rankPattern));
        alphaPattern = Collections.unmodifiableMap(new LinkedHashMap<>(alphaPattern));
        layersToTransform = layersToTransform == null ? null : List.copyOf(layersToTransform);
        layersPattern = layersPattern == null ? null : List.copyOf(layersPattern);
    }

    /** Reads {@code dir/adapter_config.json}. */
    public static LoraConfig read(Path dir) {
        Path f = dir.resolve(FILE_NAME);
        if (!Files.isRegularFile(f)) throw new BadInputException(dir + ": not a PEFT adapter directory (no " + FILE_NAME + ")");
        JsonNode root;
        try {
            root = JSON.readTree(f.toFile());
        } catch (IOException e) {
            throw new BadInputException(f + ": not valid JSON: " + e.getMessage());
        }
        return parse(root, f.toString());
    }

    /** Parses a config object; {@code origin} names the file in error messages. */
    public static LoraConfig parse(JsonNode root, String origin) {
        if (root == null || !root.isObject()) throw new BadInputException(origin + ": expected a JSON object");
        ObjectNode o = (ObjectNode) root;
        String peftType = text(o, "peft_type", origin);
        if (peftType != null && !peftType.equalsIgnoreCase("LORA")) {
            throw new BadInputException(origin + ": field 'peft_type' is '" + peftType + "'; only LORA adapters are supported");
        }
        int r = intField(o, "r", 8, origin);
        if (r <= 0) throw new BadInputException(origin + ": field 'r' must be a positive integer, got " + r);
        double alpha = numField(o, "lora_alpha", 8, origin);

        List<String> targetList = null;
        String targetRegex = null;
        JsonNode tm = o.get("target_modules");
        if (tm == null || tm.isNull()) {
            throw new BadInputException(origin + ": field 'target_modules' is missing; lora4j needs the adapted layers named explicitly");
        } else if (tm.isTextual()) {
            targetRegex = tm.asText();
            compileRegex(targetRegex, "target_modules", origin);
        } else if (tm.isArray()) {
            targetList = new ArrayList<>();
            for (JsonNode t : tm) {
                if (!t.isTextual()) throw new BadInputException(origin + ": field 'target_modules' must hold strings, found " + t);
                targetList.add(t.asText());
            }
        } else {
            throw new BadInputException(origin + ": field 'target_modules' must be a list of names or a regex string, found " + tm);
        }

        Map<String, Integer> rankPattern = new LinkedHashMap<>();
        JsonNode rp = o.get("rank_pattern");
        if (rp != null && !rp.isNull()) {
            if (!rp.isObject()) throw new BadInputException(origin + ": field 'rank_pattern' must be an object {pattern: rank}");
            for (var it = rp.fields(); it.hasNext(); ) {
                var e = it.next();
                if (!e.getValue().canConvertToInt() || !e.getValue().isIntegralNumber() || e.getValue().asInt() <= 0) {
                    throw new BadInputException(origin + ": field 'rank_pattern' entry '" + e.getKey() + "' must be a positive integer, found " + e.getValue());
                }
                compileRegex(e.getKey(), "rank_pattern", origin);
                rankPattern.put(e.getKey(), e.getValue().asInt());
            }
        }
        Map<String, Double> alphaPattern = new LinkedHashMap<>();
        JsonNode ap = o.get("alpha_pattern");
        if (ap != null && !ap.isNull()) {
            if (!ap.isObject()) throw new BadInputException(origin + ": field 'alpha_pattern' must be an object {pattern: alpha}");
            for (var it = ap.fields(); it.hasNext(); ) {
                var e = it.next();
                if (!e.getValue().isNumber()) {
                    throw new BadInputException(origin + ": field 'alpha_pattern' entry '" + e.getKey() + "' must be a number, found " + e.getValue());
                }
                compileRegex(e.getKey(), "alpha_pattern", origin);
                alphaPattern.put(e.getKey(), e.getValue().asDouble());
            }
        }
        boolean rslora = boolField(o, "use_rslora", origin);
        boolean fifo = boolField(o, "fan_in_fan_out", origin);
        String bias = text(o, "bias", origin);
        if (bias != null && !bias.equals("none")) {
            throw new BadInputException(origin + ": field 'bias' is '" + bias + "'; only \"none\" is supported");
        }
        if (boolField(o, "use_dora", origin)) throw new BadInputException(origin + ": field 'use_dora' is true; DoRA adapters are not supported");
        JsonNode mts = o.get("modules_to_save");
        if (mts != null && !mts.isNull() && !(mts.isArray() && mts.isEmpty())) {
            throw new BadInputException(origin + ": field 'modules_to_save' is " + mts + "; adapters that save full modules are not supported");
        }
        JsonNode ex = o.get("exclude_modules");
        if (ex != null && !ex.isNull() && !(ex.isArray() && ex.isEmpty()) && !(ex.isTextual() && ex.asText().isEmpty())) {
            throw new BadInputException(origin + ": field 'exclude_modules' is " + ex + "; not supported");
        }
        JsonNode tp = o.get("target_parameters");
        if (tp != null && !tp.isNull() && !(tp.isArray() && tp.isEmpty())) {
            throw new BadInputException(origin + ": field 'target_parameters' is " + tp + "; not supported");
        }

        List<Integer> layers = null;
        JsonNode lt = o.get("layers_to_transform");
        if (lt != null && !lt.isNull()) {
            layers = new ArrayList<>();
            if (lt.isIntegralNumber()) layers.add(lt.asInt());
            else if (lt.isArray()) {
                for (JsonNode n : lt) {
                    if (!n.isIntegralNumber()) throw new BadInputException(origin + ": field 'layers_to_transform' must hold integers, found " + n);
                    layers.add(n.asInt());
                }
            } else throw new BadInputException(origin + ": field 'layers_to_transform' must be an integer or a list of integers, found " + lt);
            if (layers.isEmpty()) layers = null;
        }
        List<String> layersPattern = null;
        JsonNode lp = o.get("layers_pattern");
        if (lp != null && !lp.isNull()) {
            layersPattern = new ArrayList<>();
            if (lp.isTextual()) {
                if (!lp.asText().isEmpty()) layersPattern.add(lp.asText());
            } else if (lp.isArray()) {
                for (JsonNode n : lp) layersPattern.add(n.asText());
            } else throw new BadInputException(origin + ": field 'layers_pattern' must be a string or a list of strings, found " + lp);
            for (String p : layersPattern) compileRegex(p, "layers_pattern", origin);
        }
        return new LoraConfig(r, alpha, targetList, targetRegex, rankPattern, alphaPattern, rslora, fifo, layers, layersPattern,
                text(o, "base_model_name_or_path", origin), text(o, "task_type", origin), o.deepCopy());
    }

    // ------------------------------------------------------------------ PEFT's matching rules

    /** True if PEFT would put a LoRA layer on the module called {@code key} (e.g. {@code encoder.block.0.layer.0.SelfAttention.q}). */
    public boolean targets(String key) {
        if (targetModuleRegex != null) return pyRegex(targetModuleRegex).matcher(key).matches();
        if (targetModuleList.contains(key)) return true;
        boolean found = false;
        for (String t : targetModuleList) {
            if (key.endsWith("." + t)) {
                found = true;
                break;
            }
        }
        if (found && layersToTransform != null) {
            Integer idx = null;
            if (layersPattern == null || layersPattern.isEmpty()) {
                Matcher m = Pattern.compile(".*?\\.[^.]*\\.(\\d+)\\.").matcher(key);
                if (m.lookingAt()) idx = Integer.parseInt(m.group(1));
            } else {
                for (String p : layersPattern) {
                    Matcher m = pyRegex("(?:^|.*?\\.)" + p + "\\.(\\d+)\\.").matcher(key);
                    if (m.lookingAt()) {
                        idx = Integer.parseInt(m.group(1));
                        break;
                    }
                }
            }
            found = idx != null && layersToTransform.contains(idx);
        }
        return found;
    }

    /** The rank PEFT gives the layer {@code key}: the first matching rank_pattern entry, else r. */
    public int rankFor(String key) {
        String p = patternKey(rankPattern.keySet(), key);
        return p == null ? r : rankPattern.get(p);
    }

    /** The alpha PEFT gives the layer {@code key}: the first matching alpha_pattern entry, else lora_alpha. */
    public double alphaFor(String key) {
        String p = patternKey(alphaPattern.keySet(), key);
        return p == null ? loraAlpha : alphaPattern.get(p);
    }

    /** The LoRA scaling of layer {@code key}: alpha/r, or alpha/√r with use_rslora. */
    public double scalingFor(String key) {
        int rank = rankFor(key);
        double alpha = alphaFor(key);
        return useRslora ? alpha / Math.sqrt(rank) : alpha / rank;
    }

    private static String patternKey(Iterable<String> patterns, String key) {
        for (String p : patterns) {
            // Python: re.match(rf"(.*\.)?({p})$", key)
            if (pyRegex("(.*\\.)?(" + p + ")").matcher(key).matches()) return p;
        }
        return null;
    }

    private static final Map<String, Pattern> CACHE = new java.util.concurrent.ConcurrentHashMap<>();

    /** Compiles a Python regex (named groups (?P&lt;n&gt;..) translated) with a cache. */
    static Pattern pyRegex(String python) {
        return CACHE.computeIfAbsent(python, p -> Pattern.compile(p.replace("(?P<", "(?<").replaceAll("\\(\\?P=(\\w+)\\)", "\\\\k<$1>")));
    }

    private static void compileRegex(String re, String field, String origin) {
        try {
            pyRegex(re);
        } catch (PatternSyntaxException e) {
            throw new BadInputException(origin + ": field '" + field + "' holds an invalid regular expression '" + re + "': " + e.getDescription());
        }
    }

    // ------------------------------------------------------------------ JSON helpers

    private static String text(ObjectNode o, String f, String origin) {
        JsonNode n = o.get(f);
        if (n == null || n.isNull()) return null;
        if (!n.isTextual()) throw new BadInputException(origin + ": field '" + f + "' must be a string, found " + n);
        return n.asText();
    }

    private static int intField(ObjectNode o, String f, int def, String origin) {
        JsonNode n = o.get(f);
        if (n == null || n.isNull()) return def;
        if (!n.isIntegralNumber() || !n.canConvertToInt()) throw new BadInputException(origin + ": field '" + f + "' must be an integer, found " + n);
        return n.asInt();
    }

    private static double numField(ObjectNode o, String f, double def, String origin) {
        JsonNode n = o.get(f);
        if (n == null || n.isNull()) return def;
        if (!n.isNumber()) throw new BadInputException(origin + ": field '" + f + "' must be a number, found " + n);
        return n.asDouble();
    }

    private static boolean boolField(ObjectNode o, String f, String origin) {
        JsonNode n = o.get(f);
        if (n == null || n.isNull()) return false;
        if (!n.isBoolean()) throw new BadInputException(origin + ": field '" + f + "' must be true or false, found " + n);
        return n.asBoolean();
    }
}
