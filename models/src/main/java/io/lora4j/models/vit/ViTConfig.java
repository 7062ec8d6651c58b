package io.lora4j.models.vit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lora4j.engine.BadInputException;
import io.lora4j.engine.Tensor;
import io.lora4j.engine.io.TensorSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * ViT hyper-parameters, as HF's {@code ViTConfig} names them, plus the two things a timm checkpoint
 * needs and HF's config lacks: the weight naming and the pooling.
 *
 * <p>Sources: HF {@code config.json} ({@link #fromHfJson}); for timm checkpoints (no HF config) a
 * small architecture description with the same keys ({@code vit_arch.json}, see docs/vit.md) or timm's
 * own hub {@code config.json} ({@code architecture}, {@code num_classes}, {@code global_pool}); fields a
 * timm description leaves out are inferred from the weight shapes ({@link #fromTimm}).
 *
 * @param labels id2label in id order (LABEL_i where the config has none); its size is num_labels (0: no head)
 */
public record ViTConfig(int imageSize, int patchSize, int numChannels, int hiddenSize, int numHiddenLayers,
                        int numAttentionHeads, int intermediateSize, String hiddenAct, double layerNormEps,
                        boolean qkvBias, List<String> labels, Naming naming, Pooling pooling) {

    /** Which checkpoint layout the weights use. */
    public enum Naming { HF, TIMM }

    /** How the classifier sees the sequence: the class token (HF, timm "token") or the mean of patch tokens (timm "avg"). */
    public enum Pooling { CLS, MEAN }

    private static final ObjectMapper JSON = new ObjectMapper();

    public ViTConfig {
        labels = List.copyOf(labels);
        if (hiddenSize <= 0 || numAttentionHeads <= 0 || hiddenSize % numAttentionHeads != 0) {
            throw new BadInputException("ViT config: hidden_size " + hiddenSize + " is not a positive multiple of num_attention_heads " + numAttentionHeads);
        }
        if (patchSize <= 0 || imageSize <= 0 || imageSize % patchSize != 0) {
            throw new BadInputException("ViT config: image_size " + imageSize + " is not a positive multiple of patch_size " + patchSize);
        }
        if (numHiddenLayers < 0 || intermediateSize <= 0 || numChannels <= 0) {
            throw new BadInputException("ViT config: bad num_hidden_layers/intermediate_size/num_channels "
                    + numHiddenLayers + "/" + intermediateSize + "/" + numChannels);
        }
        Activation.of(hiddenAct); // validates
    }

    public int numLabels() {
        return labels.size();
    }

    public int headDim() {
        return hiddenSize / numAttentionHeads;
    }

    /** Patches per side at the training resolution. */
    public int gridSize() {
        return imageSize / patchSize;
    }

    /** The same configuration with other labels. */
    public ViTConfig withLabels(List<String> newLabels) {
        return new ViTConfig(imageSize, patchSize, numChannels, hiddenSize, numHiddenLayers, numAttentionHeads,
                intermediateSize, hiddenAct, layerNormEps, qkvBias, newLabels, naming, pooling);
    }

    /** ViT-B/16 at 224×224 (HF google/vit-base-patch16-224 dims) with {@code numLabels} labels. */
    public static ViTConfig vitBase16(int numLabels, Naming naming) {
        return new ViTConfig(224, 16, 3, 768, 12, 12, 3072, "gelu", naming == Naming.HF ? 1e-12 : 1e-6, true,
                defaultLabels(numLabels), naming, Pooling.CLS);
    }

    // ------------------------------------------------------------------ parsing

    /** Reads a JSON file; a {@link BadInputException} naming it if it is unreadable. */
    static JsonNode readJson(Path file) {
        try {
            JsonNode n = JSON.readTree(file.toFile());
            if (n == null || !n.isObject()) throw new BadInputException(file + ": expected a JSON object");
            return n;
        } catch (IOException e) {
            throw new BadInputException(file + ": not valid JSON: " + e.getMessage());
        }
    }

    /** True if the JSON is an HF ViT config.json (has model_type). */
    static boolean isHfConfig(JsonNode n) {
        return n.has("model_type");
    }

    /** HF {@code config.json} of a ViTModel / ViTForImageClassification. */
    public static ViTConfig fromHfJson(JsonNode n, String origin) {
        String type = n.path("model_type").asText("");
        if (!type.isEmpty() && !type.equals("vit") && !type.equals("deit")) {
            throw new BadInputException(origin + ": model_type is '" + type + "', expected 'vit'");
        }
        int image = intField(n, origin, "image_size", 224);
        int patch = intField(n, origin, "patch_size", 16);
        return new ViTConfig(image, patch, intField(n, origin, "num_channels", 3), intField(n, origin, "hidden_size", 768),
                intField(n, origin, "num_hidden_layers", 12), intField(n, origin, "num_attention_heads", 12),
                intField(n, origin, "intermediate_size", 3072), n.path("hidden_act").asText("gelu"),
                n.path("layer_norm_eps").asDouble(1e-12), n.path("qkv_bias").asBoolean(true),
                labels(n, origin), Naming.HF, Pooling.CLS);
    }

    private static final Pattern TIMM_ARCH = Pattern.compile("vit_(tiny|small|base|large|huge|giant)_patch(\\d+)_(?:clip_)?(\\d+)");

    /**
     * A timm checkpoint's description (our {@code vit_arch.json} or timm's hub {@code config.json}), with
     * every field it leaves out inferred from the weights: hidden_size, patch_size, num_channels (patch
     * projection), num_hidden_layers (blocks.N), intermediate_size (mlp.fc1), num_labels (head),
     * image_size (pos_embed), qkv_bias, pooling (fc_norm present → mean). num_attention_heads must be given
     * or follow from a timm architecture name (vit_base_patch16_224 → 12).
     */
    public static ViTConfig fromTimm(JsonNode n, String origin, TensorSource w) {
        if (n == null) n = JSON.createObjectNode();
        Tensor proj = w.get("patch_embed.proj.weight");
        if (proj.rank() != 4) throw new BadInputException(w.origin() + ": patch_embed.proj.weight must be [D, C, p, p], got " + java.util.Arrays.toString(proj.shape()));
        int hidden = proj.dim(0), channels = proj.dim(1), patch = proj.dim(2);
        int layers = 0;
        while (w.contains("blocks." + layers + ".norm1.weight")) layers++;
        Tensor fc1 = w.get("blocks.0.mlp.fc1.weight");
        Tensor pos = w.get("pos_embed");
        int grid = (int) Math.round(Math.sqrt(pos.dim(1) - 1));
        if (grid * grid != pos.dim(1) - 1) {
            throw new BadInputException(w.origin() + ": pos_embed has " + pos.dim(1) + " positions, expected 1 + a square number (class token + grid)");
        }
        Tensor head = w.find("head.weight");
        Integer heads = n.has("num_attention_heads") ? Integer.valueOf(n.get("num_attention_heads").asInt())
                : n.has("num_heads") ? Integer.valueOf(n.get("num_heads").asInt()) : null;
        String arch = n.path("architecture").asText("");
        Matcher m = TIMM_ARCH.matcher(arch);
        if (heads == null && m.lookingAt()) {
            heads = switch (m.group(1)) {
                case "tiny" -> 3;
                case "small" -> 6;
                case "base" -> 12;
                default -> 16;
            };
        }
        if (heads == null) {
            throw new BadInputException(origin + ": num_attention_heads is required for a timm checkpoint (it cannot be read from "
                    + "the weights); add \"num_attention_heads\" or a timm \"architecture\" name such as vit_base_patch16_224");
        }
        List<String> labels = labels(n, origin);
        int numLabels = head == null ? 0 : head.dim(0);
        if (n.has("label_names") && n.get("label_names").isArray()) {
            labels = new ArrayList<>();
            for (JsonNode l : n.get("label_names")) labels.add(l.asText());
        }
        if (labels.size() != numLabels) {
            if (!labels.isEmpty()) {
                throw new BadInputException(origin + ": " + labels.size() + " labels but the head has " + numLabels + " outputs");
            }
            labels = defaultLabels(numLabels);
        }
        String pool = n.path("global_pool").asText(w.contains("fc_norm.weight") ? "avg" : "token");
        Pooling pooling = switch (pool) {
            case "token", "" -> Pooling.CLS;
            case "avg" -> Pooling.MEAN;
            default -> throw new BadInputException(origin + ": global_pool '" + pool + "' is not supported (token or avg)");
        };
        int image = n.has("image_size") ? n.get("image_size").asInt() : grid * patch;
        return new ViTConfig(image, intField(n, origin, "patch_size", patch), intField(n, origin, "num_channels", channels),
                intField(n, origin, "hidden_size", hidden), intField(n, origin, "num_hidden_layers", layers), heads,
                intField(n, origin, "intermediate_size", fc1.dim(0)), n.path("hidden_act").asText("gelu"),
                n.path("layer_norm_eps").asDouble(1e-6), n.path("qkv_bias").asBoolean(w.contains("blocks.0.attn.qkv.bias")),
                labels, Naming.TIMM, pooling);
    }

    private static int intField(JsonNode n, String origin, String key, int dflt) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) return dflt;
        if (v.isArray() && v.size() == 2 && v.get(0).asInt() == v.get(1).asInt()) return v.get(0).asInt();
        if (!v.canConvertToInt()) throw new BadInputException(origin + ": field '" + key + "' must be an integer (square sizes only), got " + v);
        return v.asInt();
    }

    /** id2label in id order; LABEL_i for num_labels without id2label; empty when neither. */
    private static List<String> labels(JsonNode n, String origin) {
        JsonNode map = n.get("id2label");
        if (map != null && map.isObject() && !map.isEmpty()) {
            String[] out = new String[map.size()];
            for (var it = map.fields(); it.hasNext(); ) {
                var e = it.next();
                int id;
                try {
                    id = Integer.parseInt(e.getKey());
                } catch (NumberFormatException ex) {
                    throw new BadInputException(origin + ": id2label key '" + e.getKey() + "' is not an integer");
                }
                if (id < 0 || id >= out.length) throw new BadInputException(origin + ": id2label ids must be 0.." + (out.length - 1) + ", got " + id);
                out[id] = e.getValue().asText();
            }
            return List.of(out);
        }
        int num = n.has("num_labels") ? n.get("num_labels").asInt() : n.path("num_classes").asInt(0);
        return defaultLabels(num);
    }

    static List<String> defaultLabels(int n) {
        List<String> l = new ArrayList<>(n);
        for (int i = 0; i < n; i++) l.add("LABEL_" + i);
        return l;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "ViT(%s, image %d, patch %d, D %d, L %d, heads %d, mlp %d, %s, eps %g, labels %d, %s pooling)",
                naming, imageSize, patchSize, hiddenSize, numHiddenLayers, numAttentionHeads, intermediateSize, hiddenAct,
                layerNormEps, labels.size(), pooling);
    }

    /** Reads a config file: HF config.json or a timm description (then {@code weights} fills the gaps). */
    public static ViTConfig read(Path file, TensorSource weights) {
        if (!Files.isRegularFile(file)) throw new BadInputException(file + ": no such file");
        JsonNode n = readJson(file);
        boolean timmWeights = weights != null && weights.contains("patch_embed.proj.weight");
        if (timmWeights) return fromTimm(n, file.toString(), weights);
        return fromHfJson(n, file.toString());
    }
}
