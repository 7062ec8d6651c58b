package io.lora4j.optim.evolution;

/**
 * Summary of one generation: fitness of its best and mean candidate, the best fitness seen so far,
 * parameter counts (of the generation's best, mean, min, max) and how many candidates each operator produced.
 */
public record GenerationStats(int generation, int size, double best, double mean, double bestSoFar, long bestParams,
                              double meanParams, long minParams, long maxParams, int mutations, int crossovers, int randoms) {}
