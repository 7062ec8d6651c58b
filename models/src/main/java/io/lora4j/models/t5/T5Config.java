package io.lora4j.models.t5;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lora4j.engine.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The fields of an HF T5 {@code config.json} that the model uses, validated.
 *
 * <p>Fields the model does not use (dropout, n_positions, task_specific_params, ...) are ignored.
 * A field that is used but has an unknown value or contradicts another field is an error naming it.
 *
 * @param scaleDecoderOutputs the decoder output is multiplied by d_model^-0.5 before lm_head: original T5
 *     (tie_word_embeddings absent or true). HF 5.x writes the resolved flag as scale_decoder_outputs.
 * @param tieWordEmbeddings tie_word_embeddings (absent = true): lm_head is shared.weight unless the checkpoint has lm_head.weight
 * @param decoderStartTokenId decoder_start_token_id, or pad_token_id when absent (T5's convention)
 */
public record T5Config(int vocabSize, int dModel, int dKv, int dFf, int numLayers, int numDecoderLayers, int numHeads,
        int relativeAttentionNumBuckets, int relativeAttentionMaxDistance, float layerNormEpsilon,
        Activation activation, boolean gated, boolean tieWordEmbeddings, boolean scaleDecoderOutputs, int padTokenId, int[] eosTokenIds,
        int decoderStartTokenId) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The dense activation of the feed-forward block. */
    public enum Activation { RELU, GELU, GELU_NEW, SILU }

    /** Inner attention width d_kv·num_heads (may differ from d_model). */
    public int innerDim() {
        return dKv * numHeads;
    }

    /** The first EOS id. */
    public int eosTokenId() {
        return eosTokenIds[0];
    }

    public boolean isEos(int token) {
        for (int e : eosTokenIds) if (e == token) return true;
        return false;
    }

    /** Reads {@code dir/config.json} (or the file itself if a file is given). */
    public static T5Config load(Path dirOrFile) {
        Path f = Files.isDirectory(dirOrFile) ? dirOrFile.resolve("config.json") : dirOrFile;
        if (!Files.isRegularFile(f)) throw new BadInputException(f + ": no such file (a T5 model directory needs config.json)");
        JsonNode root;
        try {
            root = JSON.readTree(f.toFile());
        } catch (IOException e) {
            throw new BadInputException(f + ": not valid JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject()) throw new BadInputException(f + ": expected a JSON object");
        return fromJson(root, f.toString());
    }

    /** Parses and validates a config object; {@code origin} names it in errors. */
    public static T5Config fromJson(JsonNode c, String origin) {
        Fields r = new Fields(c, origin);
        String modelType = r.str("model_type", "t5");
        if (!modelType.equals("t5") && !modelType.equals("mt5")) {
            throw r.bad("model_type", "'" + modelType + "' is not a T5 model (expected \"t5\" or \"mt5\")");
        }
        if (c.has("is_encoder_decoder") && !r.bool("is_encoder_decoder", true)) {
            throw r.bad("is_encoder_decoder", "false: only the encoder-decoder T5ForConditionalGeneration is supported");
        }
        int vocab = r.positive("vocab_size", 32128);
        int dModel = r.positive("d_model", 512);
        int dKv = r.positive("d_kv", 64);
        int dFf = r.positive("d_ff", 2048);
        int layers = r.positive("num_layers", 6);
        int decLayers = c.hasNonNull("num_decoder_layers") ? r.positive("num_decoder_layers", layers) : layers;
        int heads = r.positive("num_heads", 8);
        int buckets = r.positive("relative_attention_num_buckets", 32);
        int maxDist = r.positive("relative_attention_max_distance", 128);
        if (buckets < 4) throw r.bad("relative_attention_num_buckets", buckets + " (need at least 4)");
        if (maxDist <= buckets / 4) throw r.bad("relative_attention_max_distance", maxDist + " must exceed relative_attention_num_buckets/4 = " + buckets / 4);
        double eps = r.num("layer_norm_epsilon", 1e-6);
        if (!(eps > 0)) throw r.bad("layer_norm_epsilon", eps + " (must be > 0)");

        String proj = r.str("feed_forward_proj", "relu");
        String[] parts = proj.split("-");
        if (parts.length > 2 || (parts.length == 2 && !parts[0].equals("gated"))) {
            throw r.bad("feed_forward_proj", "'" + proj + "' (expected ACT or gated-ACT, e.g. \"relu\", \"gated-gelu\")");
        }
        boolean gated = parts.length == 2;
        String actName = parts[parts.length - 1];
        if (proj.equals("gated-gelu")) actName = "gelu_new"; // HF's backwards-compatible meaning
        Activation act = activation(actName);
        if (act == null) throw r.bad("feed_forward_proj", "'" + proj + "': unknown activation '" + actName + "' (known: relu, gelu, gelu_new, silu)");
        if (c.hasNonNull("dense_act_fn")) {
            String d = r.str("dense_act_fn", actName);
            if (activation(d) != act) throw r.bad("dense_act_fn", "'" + d + "' contradicts feed_forward_proj '" + proj + "' (which means " + actName + ")");
        }
        if (c.hasNonNull("is_gated_act") && r.bool("is_gated_act", gated) != gated) {
            throw r.bad("is_gated_act", c.get("is_gated_act") + " contradicts feed_forward_proj '" + proj + "'");
        }

        boolean tie = !c.hasNonNull("tie_word_embeddings") || r.bool("tie_word_embeddings", true);
        boolean scale = c.hasNonNull("scale_decoder_outputs") ? r.bool("scale_decoder_outputs", tie) : tie;

        int pad = r.id("pad_token_id", 0, vocab);
        int[] eos;
        JsonNode e = c.get("eos_token_id");
        if (e == null || e.isNull()) eos = new int[] {1};
        else if (e.isArray()) {
            if (e.isEmpty()) throw r.bad("eos_token_id", "an empty list");
            eos = new int[e.size()];
            for (int i = 0; i < eos.length; i++) {
                if (!e.get(i).canConvertToInt()) throw r.bad("eos_token_id", e + " (expected integers)");
                eos[i] = e.get(i).asInt();
                if (eos[i] < 0 || eos[i] >= vocab) throw r.bad("eos_token_id", eos[i] + " outside [0, vocab_size=" + vocab + ")");
            }
        } else eos = new int[] {r.id("eos_token_id", 1, vocab)};
        int start = c.hasNonNull("decoder_start_token_id") ? r.id("decoder_start_token_id", pad, vocab) : pad;
        return new T5Config(vocab, dModel, dKv, dFf, layers, decLayers, heads, buckets, maxDist, (float) eps, act, gated, tie, scale,
                pad, eos, start);
    }

    private static Activation activation(String n) {
        return switch (n) {
            case "relu" -> Activation.RELU;
            case "gelu" -> Activation.GELU;
            case "gelu_new", "gelu_pytorch_tanh", "gelu_fast" -> Activation.GELU_NEW;
            case "silu", "swish" -> Activation.SILU;
            default -> null;
        };
    }

    /** Typed field access with errors naming the field. */
    private record Fields(JsonNode c, String origin) {
        BadInputException bad(String field, String what) {
            return new BadInputException(origin + ": field '" + field + "': " + what);
        }

        String str(String f, String def) {
            JsonNode n = c.get(f);
            if (n == null || n.isNull()) return def;
            if (!n.isTextual()) throw bad(f, n + " (expected a string)");
            return n.asText();
        }

        boolean bool(String f, boolean def) {
            JsonNode n = c.get(f);
            if (n == null || n.isNull()) return def;
            if (!n.isBoolean()) throw bad(f, n + " (expected true or false)");
            return n.asBoolean();
        }

        double num(String f, double def) {
            JsonNode n = c.get(f);
            if (n == null || n.isNull()) return def;
            if (!n.isNumber()) throw bad(f, n + " (expected a number)");
            return n.asDouble();
        }

        int integer(String f, int def) {
            JsonNode n = c.get(f);
            if (n == null || n.isNull()) return def;
            if (!n.canConvertToInt() || (n.isFloatingPointNumber() && n.asDouble() != Math.rint(n.asDouble()))) throw bad(f, n + " (expected an integer)");
            return n.asInt();
        }

        int positive(String f, int def) {
            int v = integer(f, def);
            if (v <= 0) throw bad(f, v + " (must be > 0)");
            return v;
        }

        int id(String f, int def, int vocab) {
            int v = integer(f, def);
            if (v < 0 || v >= vocab) throw bad(f, v + " outside [0, vocab_size=" + vocab + ")");
            return v;
        }
    }
}
