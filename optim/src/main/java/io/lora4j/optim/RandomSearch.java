package io.lora4j.optim;

import java.util.SplittableRandom;

/**
 * Random search: the start point, then independent samples, uniform in the box where it is finite
 * and Gaussian (σ = initial step) around the start in unbounded dimensions. A baseline.
 */
public final class RandomSearch implements Optimizer {
    @Override
    public String name() {
        return "random";
    }

    @Override
    public OptimizationResult minimize(Objective f, double[] start, Bounds bounds, double initialStep, int budget, long seed) {
        EvaluationLog.checkArguments(start, bounds, initialStep, budget);
        EvaluationLog log = new EvaluationLog(f, budget);
        SplittableRandom rnd = new SplittableRandom(seed);
        double[] x0 = bounds.clip(start);
        log.evaluate(x0);
        while (!log.exhausted()) {
            double[] y = new double[x0.length];
            for (int i = 0; i < y.length; i++) {
                double lo = bounds.lower(i), hi = bounds.upper(i);
                y[i] = Double.isFinite(lo) && Double.isFinite(hi) ? lo + (hi - lo) * rnd.nextDouble() : x0[i] + initialStep * rnd.nextGaussian();
            }
            log.evaluate(bounds.clip(y));
        }
        return log.result();
    }
}
