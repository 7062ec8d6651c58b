package io.lora4j.optim.evolution;

import java.util.List;

/** The outcome of a search: the best candidate ever evaluated, per-generation statistics and every evaluation in order. */
public record SearchResult<C>(Evaluated<C> best, List<GenerationStats> history, List<Evaluated<C>> evaluated) {}
