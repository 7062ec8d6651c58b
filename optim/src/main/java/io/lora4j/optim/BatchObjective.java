package io.lora4j.optim;

/**
 * An objective that evaluates several points together (one batched forward pass for a whole CMA-ES
 * population, say). {@link CmaEs#minimize} hands it each generation at once; the other optimizers
 * propose one point at a time and call {@link #value}.
 */
public interface BatchObjective extends Objective {
    /** The values of {@code xs}, in order (minimized; NaN = failed, treated as worst). */
    double[] values(double[][] xs);

    @Override
    default double value(double[] x) {
        return values(new double[][] {x})[0];
    }
}
