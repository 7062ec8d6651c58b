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
 *
 * <p>{@link #losses} evaluates a whole population (a CMA-ES generation) together: for P candidates and a batch of E
 * examples it runs one forward pass over P·E rows (the batch repeated P times) through the base model rewritten by
 * {@link LoraHubComposer#batchRewriter()}, where each adapted layer computes W0·x for all rows at once and candidate
 * c's composed low-rank factors on its own E rows. Each candidate's loss is aggregated from its own rows exactly as
 * {@link #loss(double[])} does; large populations are split into chunks ({@link #candidatesPerForward()}).
 */
public final class LoraHubLoss {
    private final Backend backend;
    private final T5ForConditionalGeneration base;
    private final LoraHubComposer composer;
    private final List<int[][]> batchInputs = new ArrayList<>();
    private final List<int[][]> batchTargets = new ArrayList<>();
    private final int examples;
    private final LossNormalization normalization;
    private final T5ForConditionalGeneration batched;

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
        this.batched = base.withLinears(composer.batchRewriter());
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

    /**
     * The losses of several weight vectors, in order, computed in batched forward passes of at most
     * {@code maxPerForward} candidates each (0 = {@link #candidatesPerForward()}); equal to {@link #loss(double[])} of
     * each up to float rounding.
     */
    public double[] losses(double[][] ws, int maxPerForward) {
        if (maxPerForward < 0) throw new BadInputException("candidates per forward must be ≥ 0 (0 = automatic), got " + maxPerForward);
        int cap = maxPerForward == 0 ? candidatesPerForward() : maxPerForward;
        double[] out = new double[ws.length];
        int chunks = (ws.length + cap - 1) / cap;
        for (int k = 0, from = 0; k < chunks; k++) {
            int to = from + (ws.length - from + (chunks - k) - 1) / (chunks - k); // balanced chunks
            double[][] chunk = java.util.Arrays.copyOfRange(ws, from, to);
            System.arraycopy(batchedLosses(chunk), 0, out, from, chunk.length);
            from = to;
        }
        return out;
    }

    /** {@link #losses(double[][], int)} with the automatic chunk size. */
    public double[] losses(double[][] ws) {
        return losses(ws, 0);
    }

    /**
     * How many candidates one batched forward pass takes by default: as many as keep a rough estimate of the pass's
     * activations (per encoder token 4·d_ff + 10·d_model + 3·heads·S floats, per label token 2·vocab floats) within the
     * JVM's young generation (its eden space; a quarter of the maximum heap when the collector does not say), at least 1.
     * A batch much larger than the young generation makes every collection promote live activations and costs more
     * than batching saves (measured: FLAN-T5-large with the young generation bounded to 256 MB, 11 candidates per pass
     * took 2.6× longer per evaluation than one at a time).
     */
    public int candidatesPerForward() {
        var c = base.config();
        long perCandidate = 0;
        for (int b = 0; b < batchInputs.size(); b++) {
            int s = maxLen(batchInputs.get(b)), t = maxLen(batchTargets.get(b)), e = batchInputs.get(b).length;
            long floats = (long) e * s * (4L * c.dFf() + 10L * c.dModel() + 3L * c.numHeads() * s) + (long) e * t * 2L * c.vocabSize();
            perCandidate = Math.max(perCandidate, 4 * floats);
        }
        return (int) Math.max(1, Math.min(4096, youngGenerationBytes() / Math.max(1, perCandidate)));
    }

    /** The maximum size of the heap's eden space, or a quarter of the maximum heap when no pool says. */
    static long youngGenerationBytes() {
        for (var pool : java.lang.management.ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == java.lang.management.MemoryType.HEAP && pool.getName().contains("Eden")) {
                long max = pool.getUsage().getMax();
                if (max > 0) return max;
            }
        }
        return Runtime.getRuntime().maxMemory() / 4;
    }

    private static int maxLen(int[][] rows) {
        int m = 0;
        for (int[] r : rows) m = Math.max(m, r.length);
        return m;
    }

    private double[] batchedLosses(double[][] ws) {
        int p = ws.length;
        ForwardContext ctx = composer.composeBatch(backend, ws).context();
        double[] sumOfBatchMeans = new double[p], tokenLoss = new double[p];
        long[] tokens = new long[p];
        for (int b = 0; b < batchInputs.size(); b++) {
            int[][] in = batchInputs.get(b), tg = batchTargets.get(b);
            int e = in.length;
            int[][] sin = new int[p * e][], stg = new int[p * e][];
            for (int c = 0; c < p; c++) {
                System.arraycopy(in, 0, sin, c * e, e);
                System.arraycopy(tg, 0, stg, c * e, e);
            }
            T5Scores s = batched.score(backend, sin, stg, ctx);
            for (int c = 0; c < p; c++) {
                double sum = 0;
                long n = 0;
                for (int i = c * e; i < (c + 1) * e; i++) {
                    sum += s.tokenLossSum()[i];
                    n += s.tokenCount()[i];
                }
                sumOfBatchMeans[c] += sum / n;
                tokenLoss[c] += sum;
                tokens[c] += n;
            }
        }
        double[] out = new double[p];
        for (int c = 0; c < p; c++) out[c] = normalization == LossNormalization.REFERENCE ? sumOfBatchMeans[c] / examples : tokenLoss[c] / tokens[c];
        return out;
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
