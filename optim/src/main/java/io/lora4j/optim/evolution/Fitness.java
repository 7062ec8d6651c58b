package io.lora4j.optim.evolution;

/** The score of a candidate (higher is better). Must be deterministic for a resumed search to match an uninterrupted one. */
@FunctionalInterface
public interface Fitness<C> {
    double evaluate(C candidate);
}
