package io.lora4j.optim.lorahub;

import io.lora4j.optim.BatchObjective;
import io.lora4j.optim.Bounds;
import io.lora4j.optim.Objective;
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
 * its mean) the learner evaluates it first and gives CMA-ES the remaining budget. With {@link #learnBatched} CMA-ES
 * hands each generation over at once, so a whole population is scored in one batched forward pass.
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

    /** The few-shot losses of several weight vectors at once (a batched forward pass), in order. */
    @FunctionalInterface
    public interface BatchLoss {
        double[] losses(double[][] ws);
    }

    /** Runs the search on {@code loss} (w → few-shot loss), one evaluation at a time, calling {@code progress} after every evaluation. */
    public static Result learn(ToDoubleFunction<double[]> loss, int dimension, LoraHubSettings s, Consumer<Evaluation> progress) {
        return learn(ws -> {
            double[] v = new double[ws.length];
            for (int i = 0; i < ws.length; i++) v[i] = loss.applyAsDouble(ws[i]);
            return v;
        }, false, dimension, s, progress);
    }

    /**
     * Runs the search with {@code losses} evaluating whole CMA-ES generations at once (other optimizers propose one
     * point at a time and get batches of one). Same results as {@link #learn(ToDoubleFunction, int, LoraHubSettings,
     * Consumer)} with the same losses; {@code progress} is called for every evaluation, in order, after its batch.
     */
    public static Result learnBatched(BatchLoss losses, int dimension, LoraHubSettings s, Consumer<Evaluation> progress) {
        return learn(losses, true, dimension, s, progress);
    }

    private static Result learn(BatchLoss losses, boolean batched, int dimension, LoraHubSettings s, Consumer<Evaluation> progress) {
        Optimizer opt = Optimizers.byName(s.optimizer(), dimension, s.budget());
        Bounds bounds = Bounds.box(dimension, s.lower(), s.upper());
        double[] start = new double[dimension];
        Arrays.fill(start, s.start());
        List<Evaluation> log = new ArrayList<>();
        long t0 = System.nanoTime();
        Evaluation[] best = new Evaluation[1];
        BatchObjective score = xs -> {
            double[] out = new double[xs.length];
            int n = Math.min(xs.length, s.budget() - log.size()); // never exceed the budget
            Arrays.fill(out, n, xs.length, Double.POSITIVE_INFINITY);
            if (n <= 0) return out;
            double[][] clipped = new double[n][];
            for (int k = 0; k < n; k++) clipped[k] = bounds.clip(xs[k]);
            double[] l = losses.losses(clipped);
            double secs = (System.nanoTime() - t0) / 1e9;
            for (int k = 0; k < n; k++) {
                double r = s.regularization(clipped[k]);
                Evaluation e = new Evaluation(log.size(), clipped[k], l[k], r, l[k] + r, secs);
                log.add(e);
                if (best[0] == null || !(e.score() > best[0].score())) best[0] = e; // lowest; ties: the later one
                if (progress != null) progress.accept(e);
                out[k] = Double.isNaN(e.score()) ? Double.POSITIVE_INFINITY : e.score();
            }
            return out;
        };
        int budget = s.budget();
        if (opt.name().startsWith("cma")) {
            score.value(start);
            budget--;
        }
        Objective f = batched ? score : score::value; // a plain Objective makes CMA-ES evaluate one point at a time
        if (budget > 0) opt.minimize(f, start, bounds, s.step(), budget, s.seed());
        return new Result(best[0], List.copyOf(log), opt.name(), (System.nanoTime() - t0) / 1e9);
    }
}
