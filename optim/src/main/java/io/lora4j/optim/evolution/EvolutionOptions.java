package io.lora4j.optim.evolution;

import io.lora4j.engine.BadInputException;

/**
 * Settings of an evolutionary search; {@link #defaults()} are the reference's (METHODS.md §2):
 * population 50, 20 generations, top-K 10, 25 mutations with p = 0.2, 25 crossovers, at most 250
 * attempts per operator per generation, parameter limit 1.0 M, minimum 0.
 */
public record EvolutionOptions(int population, int generations, int topK, int mutations, double mutationProb,
                               int crossovers, int maxAttempts, long paramLimit, long paramMin, long seed) {

    public EvolutionOptions {
        if (population < 1) throw new BadInputException("population must be ≥ 1, got " + population);
        if (generations < 1) throw new BadInputException("generations must be ≥ 1, got " + generations);
        if (topK < 1) throw new BadInputException("top-K must be ≥ 1, got " + topK);
        if (mutations < 0 || crossovers < 0) throw new BadInputException("mutation and crossover counts must be ≥ 0");
        if (!(mutationProb >= 0 && mutationProb <= 1)) throw new BadInputException("mutation probability must be in [0, 1], got " + mutationProb);
        if (maxAttempts < 1) throw new BadInputException("max attempts must be ≥ 1, got " + maxAttempts);
        if (paramMin < 0 || paramLimit < paramMin) throw new BadInputException("need 0 ≤ param-min ≤ param-limit, got " + paramMin + " and " + paramLimit);
    }

    public static EvolutionOptions defaults() {
        return new EvolutionOptions(50, 20, 10, 25, 0.2, 25, 250, 1_000_000, 0, 0);
    }

    public EvolutionOptions withSeed(long s) {
        return new EvolutionOptions(population, generations, topK, mutations, mutationProb, crossovers, maxAttempts, paramLimit, paramMin, s);
    }

    public EvolutionOptions withGenerations(int g) {
        return new EvolutionOptions(population, g, topK, mutations, mutationProb, crossovers, maxAttempts, paramLimit, paramMin, seed);
    }

    public EvolutionOptions withPopulation(int p) {
        return new EvolutionOptions(p, generations, topK, mutations, mutationProb, crossovers, maxAttempts, paramLimit, paramMin, seed);
    }

    public EvolutionOptions withParamRange(long min, long limit) {
        return new EvolutionOptions(population, generations, topK, mutations, mutationProb, crossovers, maxAttempts, limit, min, seed);
    }
}
