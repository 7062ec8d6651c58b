package io.lora4j.optim.evolution;

/** Progress callbacks of an {@link EvolutionarySearch} (all optional), called on the searching thread. */
public interface SearchListener<C> {
    /** A generation's candidates were chosen and are about to be evaluated. */
    default void generationStarted(int generation, int size) {}

    /** Candidate {@code index} (0-based) of the generation was evaluated. */
    default void candidateEvaluated(Evaluated<C> e, int index, int size) {}

    /**
     * A generation is complete and (if the search checkpoints) its checkpoint is written. {@code history}
     * holds every generation so far, including those restored from a checkpoint.
     */
    default void generationDone(GenerationStats stats, Evaluated<C> bestSoFar, java.util.List<GenerationStats> history) {}
}
