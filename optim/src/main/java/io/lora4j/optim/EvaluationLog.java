package io.lora4j.optim;

import io.lora4j.engine.BadInputException;
import java.util.Arrays;

/**
 * Counts evaluations against a budget and remembers the best point and every value. NaN values count
 * as +∞ for comparisons (a failed evaluation never becomes the best) but are logged as they are.
 */
final class EvaluationLog {
    private final Objective f;
    private final int budget;
    private double[] history = new double[16];
    private int count;
    private double[] best;
    private double bestValue = Double.POSITIVE_INFINITY;

    EvaluationLog(Objective f, int budget) {
        this.f = f;
        this.budget = budget;
    }

    static void checkArguments(double[] start, Bounds bounds, double initialStep, int budget) {
        if (start == null || bounds == null) throw new BadInputException("optimizer: start and bounds are required");
        bounds.checkDimension(start, "start point");
        if (start.length == 0) throw new BadInputException("optimizer: dimension must be at least 1");
        if (!(initialStep > 0) || Double.isInfinite(initialStep)) throw new BadInputException("optimizer: initial step must be a positive number, got " + initialStep);
        if (budget < 1) throw new BadInputException("optimizer: budget must be at least 1, got " + budget);
    }

    boolean exhausted() {
        return count >= budget;
    }

    int remaining() {
        return budget - count;
    }

    /** Evaluates at a copy of {@code x}; the caller checks {@link #exhausted()} first. */
    double evaluate(double[] x) {
        if (count >= budget) throw new IllegalStateException("budget of " + budget + " evaluations exhausted");
        double[] copy = x.clone();
        double v = f.value(copy);
        record(x, v);
        return v;
    }

    /** Evaluates all of {@code xs} (at most {@link #remaining()}), in one call when the objective is a {@link BatchObjective}. */
    double[] evaluateAll(double[][] xs) {
        if (xs.length > remaining()) throw new IllegalStateException("batch of " + xs.length + " exceeds the " + remaining() + " evaluations left");
        if (!(f instanceof BatchObjective b)) {
            double[] v = new double[xs.length];
            for (int k = 0; k < xs.length; k++) v[k] = evaluate(xs[k]);
            return v;
        }
        double[][] copies = new double[xs.length][];
        for (int k = 0; k < xs.length; k++) copies[k] = xs[k].clone();
        double[] v = b.values(copies);
        if (v == null || v.length != xs.length) throw new IllegalStateException("batch objective returned " + (v == null ? "null" : v.length + " values") + " for " + xs.length + " points");
        for (int k = 0; k < xs.length; k++) record(xs[k], v[k]);
        return v.clone();
    }

    private void record(double[] x, double v) {
        if (count == history.length) history = Arrays.copyOf(history, 2 * count);
        history[count++] = v;
        double key = Double.isNaN(v) ? Double.POSITIVE_INFINITY : v;
        if (best == null || key < bestValue) {
            best = x.clone();
            bestValue = key;
        }
    }

    int count() {
        return count;
    }

    double bestValue() {
        return bestValue;
    }

    OptimizationResult result() {
        return new OptimizationResult(best == null ? null : best.clone(), bestValue, count, Arrays.copyOf(history, count));
    }
}
