package io.lora4j.models.t5;

import io.lora4j.engine.BadInputException;
import io.lora4j.engine.DType;
import io.lora4j.engine.Tensor;
import io.lora4j.engine.io.TensorSource;
import io.lora4j.models.nn.DenseLinear;
import io.lora4j.models.nn.Linear;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a T5 checkpoint by HF tensor name with shape and dtype checks, collecting every missing and
 * unexpected name so one error lists them all. Tensors stay views of the source (no copies).
 */
final class T5Weights {
    /** Names HF may store that duplicate {@code shared.weight} (the tied embeddings). */
    private static final Set<String> TIED_COPIES = Set.of("encoder.embed_tokens.weight", "decoder.embed_tokens.weight");

    private final TensorSource src;
    private final Set<String> used = new LinkedHashSet<>();
    private final List<String> missing = new ArrayList<>();
    final Map<String, Tensor> tensors = new LinkedHashMap<>();
    final Map<String, Linear> linears = new LinkedHashMap<>();

    private T5Weights(TensorSource src) {
        this.src = src;
    }

    static T5Weights read(T5Config c, TensorSource src) {
        T5Weights w = new T5Weights(src);
        Tensor shared = w.tensor("shared.weight", c.vocabSize(), c.dModel());
        if (shared == null && src.contains("encoder.embed_tokens.weight")) {
            // some exports store only the stack copies
            w.missing.remove("shared.weight");
            shared = w.tensor("encoder.embed_tokens.weight", c.vocabSize(), c.dModel());
        }
        if (shared != null) w.tensors.put("shared.weight", shared);
        w.stack(c, "encoder", c.numLayers(), false);
        w.stack(c, "decoder", c.numDecoderLayers(), true);
        if (src.contains("lm_head.weight") || !c.tieWordEmbeddings()) {
            // an untied head (T5 v1.1 / FLAN-T5). HF unties whenever the file holds lm_head.weight.
            w.linear("lm_head", c.vocabSize(), c.dModel());
        } else if (shared != null) {
            w.linears.put("lm_head", new DenseLinear(shared, null));
        }
        for (String t : TIED_COPIES) {
            if (src.contains(t)) w.tensor(t, c.vocabSize(), c.dModel()); // accepted, equal to shared in HF files
        }
        List<String> unexpected = new ArrayList<>();
        for (String n : src.names()) if (!w.used.contains(n)) unexpected.add(n);
        if (!w.missing.isEmpty() || !unexpected.isEmpty()) {
            StringBuilder sb = new StringBuilder(src.origin()).append(": not a T5 checkpoint matching config.json:");
            if (!w.missing.isEmpty()) sb.append(" missing tensors ").append(limit(w.missing));
            if (!unexpected.isEmpty()) sb.append(w.missing.isEmpty() ? "" : ";").append(" unexpected tensors ").append(limit(unexpected));
            throw new BadInputException(sb.toString());
        }
        return w;
    }

    private static String limit(List<String> names) {
        if (names.size() <= 12) return names.toString();
        return names.subList(0, 12) + " and " + (names.size() - 12) + " more";
    }

    private void stack(T5Config c, String p, int layers, boolean decoder) {
        for (int i = 0; i < layers; i++) {
            String b = p + ".block." + i + ".layer.";
            attention(c, b + "0.SelfAttention", i == 0);
            tensor(b + "0.layer_norm.weight", c.dModel());
            int ff = 1;
            if (decoder) {
                attention(c, b + "1.EncDecAttention", false);
                tensor(b + "1.layer_norm.weight", c.dModel());
                ff = 2;
            }
            String d = b + ff + ".DenseReluDense.";
            if (c.gated()) {
                linear(d + "wi_0", c.dFf(), c.dModel());
                linear(d + "wi_1", c.dFf(), c.dModel());
            } else {
                linear(d + "wi", c.dFf(), c.dModel());
            }
            linear(d + "wo", c.dModel(), c.dFf());
            tensor(b + ff + ".layer_norm.weight", c.dModel());
        }
        tensor(p + ".final_layer_norm.weight", c.dModel());
    }

    private void attention(T5Config c, String p, boolean relativeBias) {
        for (String n : new String[] {"q", "k", "v"}) linear(p + "." + n, c.innerDim(), c.dModel());
        linear(p + ".o", c.dModel(), c.innerDim());
        if (relativeBias) tensor(p + ".relative_attention_bias.weight", c.relativeAttentionNumBuckets(), c.numHeads());
    }

    private void linear(String name, int out, int in) {
        Tensor w = tensor(name + ".weight", out, in);
        if (w != null) linears.put(name, new DenseLinear(w, null));
        if (src.contains(name + ".bias")) throw new BadInputException(src.origin() + ": tensor '" + name + ".bias': T5 linear layers have no bias");
    }

    /** The tensor with shape check; null (and recorded as missing) if absent. */
    Tensor tensor(String name, int... shape) {
        Tensor t = src.find(name);
        if (t == null) {
            missing.add(name);
            return null;
        }
        used.add(name);
        if (!Arrays.equals(t.shape(), shape)) {
            throw new BadInputException(src.origin() + ": tensor '" + name + "' has shape " + Arrays.toString(t.shape())
                    + ", expected " + Arrays.toString(shape) + " from config.json");
        }
        DType d = t.dtype();
        if (d != DType.F32 && d != DType.BF16 && d != DType.F16) {
            throw new BadInputException(src.origin() + ": tensor '" + name + "' has dtype " + d + ", expected F32, BF16 or F16");
        }
        tensors.put(name, t);
        return t;
    }
}
