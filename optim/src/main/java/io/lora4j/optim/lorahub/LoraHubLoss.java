package io.lora4j.optim.lorahub;

import io.lora4j.adapters.lora.LoraAdapter;
import io.lora4j.adapters.lora.LoraMerge;
import io.lora4j.adapters.lorahub.LoraHubComposer;
import io.lora4j.engine.Backend;
import io.lora4j.engine.BadInputException;
import io.lora4j.models.nn.ForwardContext;
import io.lora4j.models.t5.Seq2SeqExamples;
import io.lora4j.models.t5.T5ForConditionalGeneration;
import io.lora4j.models.t5.T5Scores;
import io.lora4j.models.tokenizer.T5Tokenizer;
import java.util.ArrayList;
import java.util.List;

/**
 * The LoRAHub few-shot loss of a weight vector w (METHODS.md §1, ADAPT), without the regularization:
 * compose the modules with w (A' = Σ wᵢAᵢ, B' = Σ wᵢBᵢ), apply the composition unmerged to the base T5
 * (the base weights are never touched or copied), and score the examples teacher-forced.
 *
 * <p>The examples are tokenized once, at construction (input as-is + EOS, output + EOS; padding with pad id 0,
 * label padding ignored), and split into batches of {@code batchSize} in file order. Thread-safe.
 */
public final class LoraHubLoss {
    private final Backend backend;
    private final T5ForConditionalGeneration base;
    private final LoraHubComposer composer;
    private final List<int[][]> batchInputs = new ArrayList<>();
    private final List<int[][]> batchTargets = new ArrayList<>();
    private final int examples;
    private final LossNormalization normalization;

    public LoraHubLoss(Backend backend, T5ForConditionalGeneration base, T5Tokenizer tokenizer, LoraHubComposer composer,
            List<Seq2SeqExamples.Example> examples, int batchSize, LossNormalization normalization) {
        this(backend, base, composer, tokenize(tokenizer, examples, true), tokenize(tokenizer, examples, false), batchSize, normalization);
    }

    private static int[][] tokenize(T5Tokenizer tok, List<Seq2SeqExamples.Example> examples, boolean input) {
        int[][] out = new int[examples.size()][];
        for (int i = 0; i < out.length; i++) out[i] = tok.encode(input ? examples.get(i).input() : examples.get(i).output());
        return out;
    }

    /** From token ids: inputs and targets (ragged, EOS included), one row per example. */
    public LoraHubLoss(Backend backend, T5ForConditionalGeneration base, LoraHubComposer composer, int[][] inputs, int[][] targets,
            int batchSize, LossNormalization normalization) {
        if (inputs.length == 0) throw new BadInputException("LoRAHub needs at least one few-shot example");
        if (inputs.length != targets.length) throw new BadInputException(inputs.length + " inputs but " + targets.length + " targets");
        if (batchSize < 1) throw new BadInputException("--batch-size must be at least 1, got " + batchSize);
        this.backend = backend;
        this.base = base;
        this.composer = composer;
        this.examples = inputs.length;
        this.normalization = normalization;
        for (int s = 0; s < inputs.length; s += batchSize) {
            int e = Math.min(inputs.length, s + batchSize);
            batchInputs.add(java.util.Arrays.copyOfRange(inputs, s, e));
            batchTargets.add(java.util.Arrays.copyOfRange(targets, s, e));
        }
        // the composition must fit the model: check once, here, rather than on every evaluation
        LoraMerge.Rewriter check = LoraMerge.rewriter(backend, List.of(composer.compose(new double[composer.modules().size()])), false);
        base.withLinears(check);
        check.checkAllApplied();
    }

    /** Number of modules (the dimension of w). */
    public int dimension() {
        return composer.modules().size();
    }

    public LoraHubComposer composer() {
        return composer;
    }

    public int exampleCount() {
        return examples;
    }

    /** The loss of the composition with weights {@code w}. */
    public double loss(double[] w) {
        return loss(composer.compose(w));
    }

    /** The loss of the base model with {@code adapter} applied unmerged (null: the base model alone). */
    public double loss(LoraAdapter adapter) {
        T5ForConditionalGeneration m = adapter == null ? base : base.withLinears(LoraMerge.rewriter(backend, List.of(adapter), false));
        double sumOfBatchMeans = 0, tokenLoss = 0;
        long tokens = 0;
        for (int b = 0; b < batchInputs.size(); b++) {
            T5Scores s = m.score(backend, batchInputs.get(b), batchTargets.get(b), ForwardContext.NONE);
            sumOfBatchMeans += s.batchLoss();
            for (double v : s.tokenLossSum()) tokenLoss += v;
            tokens += s.totalTokens();
        }
        return normalization == LossNormalization.REFERENCE ? sumOfBatchMeans / examples : tokenLoss / tokens;
    }
}
