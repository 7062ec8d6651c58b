package io.lora4j.optim.lorahub;

import io.lora4j.engine.BadInputException;

/**
 * The LoRAHub search settings; {@link #defaults()} are the paper's/reference code's (METHODS.md §1): budget 40,
 * w ∈ [-1.5, 1.5], start 0, initial step 0.5, regularization 0.05·mean|w|, all examples in one batch, the
 * reference loss normalization, and candidates evaluated one forward pass each.
 *
 * @param optimizer cma | bobyqa | es | random | auto (see {@code Optimizers})
 * @param batchCandidates how many candidates of a CMA-ES population one forward pass evaluates together: 0 = as many
 *     as fit ({@link LoraHubLoss#candidatesPerForward()}), 1 = one after the other (no batching, the default: measured
 *     faster on FLAN-T5-large, see docs/lora.md), N = at most N
 */
public record LoraHubSettings(int budget, double lower, double upper, double start, double step, double regularization,
        String optimizer, long seed, int batchSize, LossNormalization normalization, int batchCandidates) {

    public LoraHubSettings {
        if (budget < 1) throw new BadInputException("--budget must be at least 1, got " + budget);
        if (!(lower < upper)) throw new BadInputException("bounds: lower " + lower + " must be below upper " + upper);
        if (start < lower || start > upper) throw new BadInputException("--start " + start + " is outside the bounds [" + lower + ", " + upper + "]");
        if (!(step > 0)) throw new BadInputException("--step must be positive, got " + step);
        if (!(regularization >= 0)) throw new BadInputException("--regularization must be ≥ 0, got " + regularization);
        if (batchSize < 1) throw new BadInputException("--batch-size must be at least 1, got " + batchSize);
        if (batchCandidates < 0) throw new BadInputException("--batch-candidates must be ≥ 0 (0 = automatic, 1 = no batching), got " + batchCandidates);
    }

    /** Settings with candidates evaluated one after the other ({@code batchCandidates} 1). */
    public LoraHubSettings(int budget, double lower, double upper, double start, double step, double regularization,
            String optimizer, long seed, int batchSize, LossNormalization normalization) {
        this(budget, lower, upper, start, step, regularization, optimizer, seed, batchSize, normalization, 1);
    }

    /** Whether populations are evaluated in batched forward passes ({@code batchCandidates} ≠ 1). */
    public boolean batched() {
        return batchCandidates != 1;
    }

    public LoraHubSettings withBatchCandidates(int n) {
        return new LoraHubSettings(budget, lower, upper, start, step, regularization, optimizer, seed, batchSize, normalization, n);
    }

    public static LoraHubSettings defaults() {
        return new LoraHubSettings(40, -1.5, 1.5, 0.0, 0.5, 0.05, "auto", 42, Integer.MAX_VALUE, LossNormalization.REFERENCE, 1);
    }

    public LoraHubSettings withBudget(int b) {
        return new LoraHubSettings(b, lower, upper, start, step, regularization, optimizer, seed, batchSize, normalization, batchCandidates);
    }

    public LoraHubSettings withOptimizer(String o) {
        return new LoraHubSettings(budget, lower, upper, start, step, regularization, o, seed, batchSize, normalization, batchCandidates);
    }

    public LoraHubSettings withSeed(long s) {
        return new LoraHubSettings(budget, lower, upper, start, step, regularization, optimizer, s, batchSize, normalization, batchCandidates);
    }

    public LoraHubSettings withRegularization(double c) {
        return new LoraHubSettings(budget, lower, upper, start, step, c, optimizer, seed, batchSize, normalization, batchCandidates);
    }

    public LoraHubSettings withNormalization(LossNormalization n) {
        return new LoraHubSettings(budget, lower, upper, start, step, regularization, optimizer, seed, batchSize, n, batchCandidates);
    }

    /** The regularization term: coefficient × mean |wᵢ| (the reference code's mean, not the paper's sum). */
    public double regularization(double[] w) {
        double s = 0;
        for (double v : w) s += Math.abs(v);
        return w.length == 0 ? 0 : regularization * s / w.length;
    }
}
