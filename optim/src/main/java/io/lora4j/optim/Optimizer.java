package io.lora4j.optim;

/**
 * A gradient-free minimizer. Implementations are stateless between calls and reproducible: the same
 * arguments (including {@code seed}) give the same evaluations in the same order.
 */
public interface Optimizer {
    /** The name {@link Optimizers#byName} knows it by. */
    String name();

    /**
     * Minimizes {@code f} from {@code start} (clipped into {@code bounds}) with an initial step size
     * {@code initialStep} (σ for the evolution strategies, the trust-region radius for BOBYQA), making at
     * most {@code budget} evaluations of {@code f}. {@code start} itself is the first evaluation for
     * every optimizer except CMA-ES, which samples around it.
     */
    OptimizationResult minimize(Objective f, double[] start, Bounds bounds, double initialStep, int budget, long seed);
}
