package io.lora4j.optim;

/**
 * The outcome of a minimization: the best point seen and its value, the number of objective
 * evaluations made (never more than the budget), and the value of every evaluation in order.
 */
public record OptimizationResult(double[] best, double bestValue, int evaluations, double[] valueHistory) {}
