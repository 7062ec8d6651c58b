package io.lora4j.optim.evolution;

/**
 * What an {@link EvolutionarySearch} searches over: how to draw, mutate and cross candidates of type
 * {@code C}, their size (parameter count) and a text form that identifies a candidate (used for
 * "seen before" and in checkpoints, so {@code decode(encode(c))} must equal {@code c}).
 * Implementations draw randomness only from the generator they are given.
 */
public interface SearchSpace<C> {

    /** A uniformly random candidate. */
    C random(SplitMix64 rng);

    /** A copy of {@code parent} with each gene resampled with probability {@code prob}. */
    C mutate(C parent, double prob, SplitMix64 rng);

    /** A child taking each gene from {@code a} or {@code b} with probability 1/2. */
    C crossover(C a, C b, SplitMix64 rng);

    /** The candidate's size, checked against the search's parameter limit and minimum. */
    long paramCount(C candidate);

    /** A unique text form of the candidate. */
    String encode(C candidate);

    /** The candidate of an {@link #encode}d text; throws {@code BadInputException} if it is not one. */
    C decode(String text);
}
