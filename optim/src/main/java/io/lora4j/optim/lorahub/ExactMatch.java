package io.lora4j.optim.lorahub;

import io.lora4j.engine.Backend;
import io.lora4j.models.nn.ForwardContext;
import io.lora4j.models.t5.GenerationConfig;
import io.lora4j.models.t5.Seq2SeqExamples;
import io.lora4j.models.t5.T5ForConditionalGeneration;
import io.lora4j.models.tokenizer.BatchEncoding;
import io.lora4j.models.tokenizer.T5Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * LoRAHub's evaluation (METHODS.md §1): greedy decoding (max 256 new tokens by default), special tokens skipped,
 * exact match after strip, lowercase and removing every ".", reported × 100.
 */
public final class ExactMatch {
    private ExactMatch() {}

    /** Predictions and the exact-match score. */
    public record Report(List<String> predictions, double exactMatch) {}

    public static String normalize(String s) {
        return s.strip().toLowerCase(Locale.ROOT).replace(".", "");
    }

    /** Greedy predictions for every input, in batches of {@code batchSize}. */
    public static List<String> predict(Backend be, T5ForConditionalGeneration m, T5Tokenizer tok, List<String> inputs, int maxNewTokens,
            int batchSize) {
        List<String> out = new ArrayList<>();
        for (int s = 0; s < inputs.size(); s += batchSize) {
            BatchEncoding enc = tok.encodeBatch(inputs.subList(s, Math.min(inputs.size(), s + batchSize)), 0, true);
            int[][] toks = m.generate(be, enc.ids(), enc.attentionMask(), GenerationConfig.greedy(maxNewTokens), ForwardContext.NONE).tokens();
            for (int[] t : toks) out.add(tok.decode(t, true));
        }
        return out;
    }

    public static Report evaluate(Backend be, T5ForConditionalGeneration m, T5Tokenizer tok, List<Seq2SeqExamples.Example> examples,
            int maxNewTokens) {
        List<String> inputs = examples.stream().map(Seq2SeqExamples.Example::input).toList();
        List<String> pred = predict(be, m, tok, inputs, maxNewTokens, 16);
        int hit = 0;
        for (int i = 0; i < pred.size(); i++) if (normalize(pred.get(i)).equals(normalize(examples.get(i).output()))) hit++;
        return new Report(pred, examples.isEmpty() ? 0 : 100.0 * hit / examples.size());
    }
}
