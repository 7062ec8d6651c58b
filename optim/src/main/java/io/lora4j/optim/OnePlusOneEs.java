package io.lora4j.optim;

import java.util.SplittableRandom;

/**
 * The (1+1)-ES with the 1/5th success rule (Rechenberg; the smooth form of Kern et al. 2004): one
 * Gaussian mutation of the parent per evaluation (reflected into the bounds), accepted if not worse;
 * σ ← σ·exp((success − 1/5) / (0.8·d)) with damping d = 1 + n/2, so σ is stationary at a 1/5 success rate.
 */
public final class OnePlusOneEs implements Optimizer {
    @Override
    public String name() {
        return "es";
    }

    @Override
    public OptimizationResult minimize(Objective f, double[] start, Bounds bounds, double initialStep, int budget, long seed) {
        EvaluationLog.checkArguments(start, bounds, initialStep, budget);
        EvaluationLog log = new EvaluationLog(f, budget);
        SplittableRandom rnd = new SplittableRandom(seed);
        int n = start.length;
        double damping = 1 + n / 2.0;
        double[] x = bounds.clip(start);
        double fx = key(log.evaluate(x));
        double sigma = initialStep;
        while (!log.exhausted()) {
            double[] y = new double[n];
            for (int i = 0; i < n; i++) y[i] = x[i] + sigma * rnd.nextGaussian();
            bounds.reflect(y);
            double fy = key(log.evaluate(y));
            boolean success = fy <= fx;
            if (success) {
                x = y;
                fx = fy;
            }
            sigma *= Math.exp(((success ? 1 : 0) - 0.2) / (0.8 * damping));
            if (sigma < 1e-300) sigma = 1e-300;
        }
        return log.result();
    }

    private static double key(double v) {
        return Double.isNaN(v) ? Double.POSITIVE_INFINITY : v;
    }
}
