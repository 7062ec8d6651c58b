package io.lora4j.models.t5;

import io.lora4j.engine.Backend;
import io.lora4j.engine.BadInputException;
import io.lora4j.engine.Tensor;
import io.lora4j.engine.io.Checkpoints;
import io.lora4j.engine.io.TensorSource;
import io.lora4j.models.nn.ForwardContext;
import io.lora4j.models.nn.Linear;
import io.lora4j.models.nn.LinearRewriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * T5 / T5 v1.1 / FLAN-T5 encoder-decoder with a language-model head (HF {@code T5ForConditionalGeneration}).
 *
 * <p>Immutable and thread-safe: per-call state (KV caches) lives in per-call objects, so one loaded model
 * serves many threads. Weights are views of the mapped checkpoint (no copy). Every linear layer is a
 * {@link Linear} named by its HF weight name without ".weight" (e.g. {@code encoder.block.0.layer.0.SelfAttention.q},
 * {@code lm_head}); {@link #withLinears} swaps layers (LoRA, LoRAHub, GLoRA) and shares everything else.
 *
 * <p>Token ids are passed as {@code int[][]}: rectangular [B][S] with a 0/1 attention mask (null = all ones)
 * for the padded-batch methods, or ragged rows for {@link #generate(Backend, int[][], GenerationConfig, ForwardContext)}
 * and {@link #score(Backend, int[][], int[][], ForwardContext)}, which pad on the right as HF tokenizers do.
 */
public final class T5ForConditionalGeneration {
    /** The ignore index of labels (torch's CrossEntropyLoss default). */
    public static final int IGNORE_INDEX = -100;

    private final T5Config config;
    private final Map<String, Tensor> tensors;
    private final Map<String, Linear> linears;
    private final T5Stack encoder, decoder;
    private final Linear lmHead;

    private T5ForConditionalGeneration(T5Config config, Map<String, Tensor> tensors, Map<String, Linear> linears) {
        this.config = config;
        this.tensors = tensors;
        this.linears = Collections.unmodifiableMap(linears);
        this.encoder = T5Stack.build(config, false, tensors, linears);
        this.decoder = T5Stack.build(config, true, tensors, linears);
        this.lmHead = linears.get("lm_head");
    }

    /** Loads an HF model directory: config.json and model.safetensors / a sharded index / pytorch_model.bin. */
    public static T5ForConditionalGeneration load(Path dir) {
        T5Config c = T5Config.load(dir);
        return from(c, Checkpoints.open(dir));
    }

    /** Builds the model from a config and named tensors (checked by name, shape and dtype). */
    public static T5ForConditionalGeneration from(T5Config config, TensorSource weights) {
        T5Weights w = T5Weights.read(config, weights);
        return new T5ForConditionalGeneration(config, w.tensors, w.linears);
    }

    public T5Config config() {
        return config;
    }

    /** Every linear layer by name, in checkpoint order (unmodifiable). */
    public Map<String, Linear> linears() {
        return linears;
    }

    /** A new model whose linear layers are {@code rewriter}'s choice; all other weights are shared. */
    public T5ForConditionalGeneration withLinears(LinearRewriter rewriter) {
        Map<String, Linear> m = new LinkedHashMap<>();
        for (var e : linears.entrySet()) {
            Linear n = rewriter.rewrite(e.getKey(), e.getValue());
            if (n == null) throw new IllegalArgumentException("rewriter returned null for " + e.getKey());
            if (n.inFeatures() != e.getValue().inFeatures() || n.outFeatures() != e.getValue().outFeatures()) {
                throw new IllegalArgumentException("rewriter changed the shape of " + e.getKey());
            }
            m.put(e.getKey(), n);
        }
        return new T5ForConditionalGeneration(config, tensors, m);
    }

    // ------------------------------------------------------------------ forward

    /** The encoder's output for a padded batch. {@code hiddenStates}: HF's encoder_hidden_states, or null if not asked. */
    public record EncoderOutput(Tensor lastHiddenState, int[][] attentionMask, Tensor maskBias, List<Tensor> hiddenStates) {}

    /** Logits [B, T, V] and, when asked, per-layer hidden states (HF's output_hidden_states convention). */
    public record Seq2SeqOutput(Tensor logits, Tensor encoderLastHiddenState, List<Tensor> encoderHiddenStates,
            List<Tensor> decoderHiddenStates) {}

    /** Runs the encoder over ids [B][S] with mask [B][S] (null = no padding). */
    public EncoderOutput encode(Backend be, int[][] ids, int[][] mask, ForwardContext ctx) {
        return encode(be, ids, mask, false, ctx);
    }

    private EncoderOutput encode(Backend be, int[][] ids, int[][] mask, boolean hidden, ForwardContext ctx) {
        checkIds(ids, "input_ids");
        int[][] m = mask == null ? ones(ids) : mask;
        checkMask(ids, m);
        Tensor bias = maskBias(m);
        List<Tensor> hs = hidden ? new ArrayList<>() : null;
        Tensor h = encoder.encode(be, ids, bias, hs, ctx);
        return new EncoderOutput(h, m, bias, hs);
    }

    /** Teacher-forced logits [B, T, V] for decoder inputs [B][T] (start token first). */
    public Tensor logits(Backend be, int[][] encIds, int[][] encMask, int[][] decInputIds, ForwardContext ctx) {
        return forward(be, encIds, encMask, decInputIds, false, ctx).logits();
    }

    /** The full forward pass; with {@code hiddenStates} also every block's input and each stack's final output. */
    public Seq2SeqOutput forward(Backend be, int[][] encIds, int[][] encMask, int[][] decInputIds, boolean hiddenStates,
            ForwardContext ctx) {
        EncoderOutput enc = encode(be, encIds, encMask, hiddenStates, ctx);
        checkIds(decInputIds, "decoder_input_ids");
        if (decInputIds.length != encIds.length) {
            throw new BadInputException("decoder_input_ids has " + decInputIds.length + " rows but input_ids has " + encIds.length);
        }
        List<Tensor> dh = hiddenStates ? new ArrayList<>() : null;
        Tensor h = decoder.decode(be, decInputIds, 0, enc.lastHiddenState(), enc.maskBias(), null, dh, ctx);
        return new Seq2SeqOutput(lmLogits(be, h, ctx), enc.lastHiddenState(), enc.hiddenStates(), dh);
    }

    /** lm_head over decoder outputs, with original T5's d_model^-0.5 rescaling when the head is tied. */
    Tensor lmLogits(Backend be, Tensor decoderHidden, ForwardContext ctx) {
        Tensor h = config.scaleDecoderOutputs() ? be.scale(decoderHidden, (float) Math.pow(config.dModel(), -0.5)) : decoderHidden;
        return lmHead.forward(be, h, ctx);
    }

    /** One incremental decoder step over tokens [B][T] at {@code offset}, through {@code cache}: logits [B, T, V]. */
    Tensor decodeStep(Backend be, int[][] tokens, int offset, Tensor encHidden, Tensor encBias, T5KvCache cache, ForwardContext ctx) {
        return lmLogits(be, decoder.decode(be, tokens, offset, encHidden, encBias, cache, null, ctx), ctx);
    }

    // ------------------------------------------------------------------ scoring and generation

    /**
     * Teacher-forced cross-entropy of {@code targets} (ragged token ids, EOS included, as the tokenizer gives
     * them) given {@code inputs} (ragged). Rows are padded on the right; label padding is ignored (-100). The
     * decoder input is the labels shifted right with decoder_start_token_id, as HF's _shift_right.
     */
    public T5Scores score(Backend be, int[][] inputs, int[][] targets, ForwardContext ctx) {
        if (inputs.length != targets.length) throw new BadInputException(inputs.length + " inputs but " + targets.length + " targets");
        int[][][] enc = pad(inputs, config.padTokenId(), "input");
        int[][] labels = pad(targets, IGNORE_INDEX, "target")[0];
        return scorePadded(be, enc[0], enc[1], labels, ctx);
    }

    /** As {@link #score(Backend, int[][], int[][], ForwardContext)} on a padded batch; labels [B][T] use -100 for padding. */
    public T5Scores scorePadded(Backend be, int[][] encIds, int[][] encMask, int[][] labels, ForwardContext ctx) {
        int b = labels.length, t = labels[0].length;
        int[][] dec = new int[b][t];
        int[] flat = new int[b * t];
        for (int i = 0; i < b; i++) {
            if (labels[i].length != t) throw new BadInputException("labels rows must have equal length (pad with -100)");
            dec[i][0] = config.decoderStartTokenId();
            for (int j = 0; j < t; j++) {
                int y = labels[i][j];
                if (y != IGNORE_INDEX && (y < 0 || y >= config.vocabSize())) {
                    throw new BadInputException("label " + y + " at [" + i + "][" + j + "] outside [0, vocab_size=" + config.vocabSize() + ")");
                }
                if (j + 1 < t) dec[i][j + 1] = y == IGNORE_INDEX ? config.padTokenId() : y;
                flat[i * t + j] = y;
            }
        }
        Tensor logits = logits(be, encIds, encMask, dec, ctx);
        Backend.CrossEntropy ce = be.crossEntropy(logits.reshape(b * t, config.vocabSize()), flat, IGNORE_INDEX);
        double[] sum = new double[b];
        int[] count = new int[b];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < t; j++) {
                if (flat[i * t + j] == IGNORE_INDEX) continue;
                sum[i] += ce.perRow()[i * t + j];
                count[i]++;
            }
        }
        return new T5Scores(sum, count);
    }

    /** Generates for ragged inputs (padded on the right internally). */
    public GenerationResult generate(Backend be, int[][] inputs, GenerationConfig gen, ForwardContext ctx) {
        int[][][] enc = pad(inputs, config.padTokenId(), "input");
        return generate(be, enc[0], enc[1], gen, ctx);
    }

    /** Greedy (num_beams = 1) or beam search over a padded batch, as HF's generate. */
    public GenerationResult generate(Backend be, int[][] encIds, int[][] encMask, GenerationConfig gen, ForwardContext ctx) {
        EncoderOutput enc = encode(be, encIds, encMask, ctx);
        return gen.numBeams() == 1 ? T5Generator.greedy(this, be, enc, gen, ctx) : T5Generator.beam(this, be, enc, gen, ctx);
    }

    // ------------------------------------------------------------------ helpers

    private void checkIds(int[][] ids, String what) {
        if (ids == null || ids.length == 0 || ids[0].length == 0) throw new BadInputException(what + " is empty");
        for (int i = 0; i < ids.length; i++) {
            if (ids[i].length != ids[0].length) throw new BadInputException(what + ": row " + i + " has " + ids[i].length + " ids, row 0 has " + ids[0].length + " (pad them)");
            for (int v : ids[i]) {
                if (v < 0 || v >= config.vocabSize()) throw new BadInputException(what + ": token id " + v + " in row " + i + " outside [0, vocab_size=" + config.vocabSize() + ")");
            }
        }
    }

    private static void checkMask(int[][] ids, int[][] mask) {
        if (mask.length != ids.length) throw new BadInputException("attention_mask has " + mask.length + " rows, input_ids " + ids.length);
        for (int i = 0; i < ids.length; i++) {
            if (mask[i].length != ids[i].length) throw new BadInputException("attention_mask row " + i + " has " + mask[i].length + " entries, input_ids " + ids[i].length);
            for (int v : mask[i]) if (v != 0 && v != 1) throw new BadInputException("attention_mask holds " + v + " (expected 0 or 1)");
        }
    }

    private static int[][] ones(int[][] ids) {
        int[][] m = new int[ids.length][];
        for (int i = 0; i < ids.length; i++) {
            m[i] = new int[ids[i].length];
            java.util.Arrays.fill(m[i], 1);
        }
        return m;
    }

    /** Additive mask [B, 1, 1, S]: 0 where attended, -max float where padded (HF uses finfo(float32).min). */
    static Tensor maskBias(int[][] mask) {
        int b = mask.length, s = mask[0].length;
        float[] v = new float[b * s];
        for (int i = 0; i < b; i++) for (int j = 0; j < s; j++) v[i * s + j] = mask[i][j] == 1 ? 0f : -Float.MAX_VALUE;
        return Tensor.of(v, b, 1, 1, s);
    }

    /** Right-pads ragged rows with {@code fill}: {ids, mask}. */
    static int[][][] pad(int[][] rows, int fill, String what) {
        if (rows.length == 0) throw new BadInputException("no " + what + "s given");
        int max = 0;
        for (int i = 0; i < rows.length; i++) {
            if (rows[i].length == 0) throw new BadInputException(what + " " + i + " is empty (no tokens)");
            max = Math.max(max, rows[i].length);
        }
        int[][] ids = new int[rows.length][max];
        int[][] mask = new int[rows.length][max];
        for (int i = 0; i < rows.length; i++) {
            java.util.Arrays.fill(ids[i], fill);
            System.arraycopy(rows[i], 0, ids[i], 0, rows[i].length);
            java.util.Arrays.fill(mask[i], 0, rows[i].length, 1);
        }
        return new int[][][] {ids, mask};
    }
}
