package io.lora4j.optim;

/** A function to minimize over {@code double[]}. Optimizers never modify {@code x} after passing it, nor expect {@code value} to. */
@FunctionalInterface
public interface Objective {
    double value(double[] x);
}
