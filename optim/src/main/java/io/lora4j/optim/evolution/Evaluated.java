package io.lora4j.optim.evolution;

/** One evaluated candidate: its text form, fitness, size, the generation that produced it and how ({@code origin}). */
public record Evaluated<C>(C candidate, String key, double fitness, long params, int generation, Origin origin) {
    /** How a candidate was produced. */
    public enum Origin { RANDOM, MUTATION, CROSSOVER }
}
