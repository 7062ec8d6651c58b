package io.lora4j.optim.lorahub;

import io.lora4j.optim.Bounds;
import io.lora4j.optim.Optimizer;
import io.lora4j.optim.Optimizers;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.ToDoubleFunction;

/**
 * The LoRAHub search (METHODS.md §1): minimize loss(w) + regularization(w) over w ∈ [lower, upper]ⁿ with a
 * gradient-free optimizer, starting at w = start (the first evaluation: with start 0, the base model), within
 * {@code budget} evaluations. The result is the evaluated point with the lowest score (ties: the later one).
 * Optimizers other than CMA-ES evaluate the start point first themselves; for CMA-ES (which samples around
 * its mean) the learner evaluates it first and gives CMA-ES the remaining budget.
 */
public final class LoraHubLearner {
    private LoraHubLearner() {}

    /** One evaluation of the score. */
    public record Evaluation(int index, double[] weights, double loss, double regularization, double score, double seconds) {}

    /** The outcome: the best evaluation, every evaluation in order, and which optimizer ran. */
    public record Result(Evaluation best, List<Evaluation> log, String optimizer, double seconds) {
        public double[] weights() {
            return best.weights().clone();
        }

        /** The first evaluation (the start point: with start 0, the base model). */
        public Evaluation first() {
            return log.getFirst();
        }
    }

    /** Runs the search on {@code loss} (w → few-shot loss), calling {@code progress} after every evaluation. */
    public static Result learn(ToDoubleFunction<double[]> loss, int dimension, LoraHubSettings s, Consumer<Evaluation> progress) {
        Optimizer opt = Optimizers.byName(s.optimizer(), dimension, s.budget());
        Bounds bounds = Bounds.box(dimension, s.lower(), s.upper());
        double[] start = new double[dimension];
        Arrays.fill(start, s.start());
        List<Evaluation> log = new ArrayList<>();
        long t0 = System.nanoTime();
        Evaluation[] best = new Evaluation[1];
        ToDoubleFunction<double[]> score = w -> {
            if (log.size() >= s.budget()) return Double.POSITIVE_INFINITY; // never exceed the budget
            double[] x = bounds.clip(w);
            double l = loss.applyAsDouble(x);
            double r = s.regularization(x);
            Evaluation e = new Evaluation(log.size(), x, l, r, l + r, (System.nanoTime() - t0) / 1e9);
            log.add(e);
            if (best[0] == null || !(e.score() > best[0].score())) best[0] = e; // lowest; ties: the later one
            if (progress != null) progress.accept(e);
            return Double.isNaN(e.score()) ? Double.POSITIVE_INFINITY : e.score();
        };
        int budget = s.budget();
        if (opt.name().startsWith("cma")) {
            score.applyAsDouble(start);
            budget--;
        }
        if (budget > 0) opt.minimize(score::applyAsDouble, start, bounds, s.step(), budget, s.seed());
        return new Result(best[0], List.copyOf(log), opt.name(), (System.nanoTime() - t0) / 1e9);
    }
}
