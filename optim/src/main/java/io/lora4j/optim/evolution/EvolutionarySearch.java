package io.lora4j.optim.evolution;

import io.lora4j.engine.BadInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The evolutionary structure search of GLoRA / AutoFormer (METHODS.md §2), generic over a candidate type.
 *
 * <p>Generation 0 is a population of random legal candidates. Each later generation takes the top-K
 * of every candidate evaluated so far (fitness descending, earlier evaluation first on ties) as parents
 * and produces up to {@code mutations} children by mutation (parent uniform from the top-K, each gene
 * resampled with probability p), up to {@code crossovers} by crossover (two parents uniform from the
 * top-K), and fills the rest of the population with random candidates; each operator makes at most
 * {@code maxAttempts} attempts. A candidate is legal if it was never produced before and its parameter
 * count lies in [paramMin, paramLimit]. The result is the best candidate ever evaluated.
 *
 * <p>Randomness: generation g draws from {@code SplitMix64.of(seed, g)} only, so the search is a pure
 * function of its options (and a deterministic fitness). With a checkpoint file the state is written
 * atomically after every generation; {@link #run} with {@code resume} continues from the last complete
 * generation and gives exactly the result of an uninterrupted run; it may also ask for more generations
 * than the checkpointed run did (the result is that of a run with the larger count from the start).
 */
public final class EvolutionarySearch<C> {
    private final SearchSpace<C> space;
    private final Fitness<C> fitness;
    private final EvolutionOptions options;

    public EvolutionarySearch(SearchSpace<C> space, Fitness<C> fitness, EvolutionOptions options) {
        this.space = space;
        this.fitness = fitness;
        this.options = options;
    }

    /** Runs without a checkpoint. */
    public SearchResult<C> run(SearchListener<C> listener) {
        return run(null, false, listener);
    }

    /**
     * Runs the search. {@code checkpoint} (may be null) is written after each generation; with
     * {@code resume} and an existing checkpoint, the search continues from it (its options must equal
     * this search's). Without {@code resume} an existing checkpoint is overwritten.
     */
    public SearchResult<C> run(Path checkpoint, boolean resume, SearchListener<C> listener) {
        if (listener == null) listener = new SearchListener<>() {};
        List<Evaluated<C>> all = new ArrayList<>();
        List<GenerationStats> history = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        int start = 0;
        if (resume && checkpoint != null && Files.exists(checkpoint)) {
            SearchCheckpoint.State<C> st = SearchCheckpoint.read(checkpoint, space, options);
            all.addAll(st.evaluated());
            history.addAll(st.history());
            for (Evaluated<C> e : all) seen.add(e.key());
            start = st.completedGenerations();
        }
        for (int gen = start; gen < options.generations(); gen++) {
            SplitMix64 rng = SplitMix64.of(options.seed(), gen);
            List<Evaluated<C>> pending = new ArrayList<>(); // fitness filled in below
            int nMut = 0, nCross = 0;
            if (gen > 0 && !all.isEmpty()) {
                List<Evaluated<C>> top = topK(all, options.topK());
                for (int attempts = 0; nMut < options.mutations() && attempts < options.maxAttempts(); attempts++) {
                    C parent = top.get(rng.nextInt(top.size())).candidate();
                    if (offer(space.mutate(parent, options.mutationProb(), rng), gen, Evaluated.Origin.MUTATION, seen, pending)) nMut++;
                }
                for (int attempts = 0; nCross < options.crossovers() && attempts < options.maxAttempts(); attempts++) {
                    C p1 = top.get(rng.nextInt(top.size())).candidate();
                    C p2 = top.get(rng.nextInt(top.size())).candidate();
                    if (offer(space.crossover(p1, p2, rng), gen, Evaluated.Origin.CROSSOVER, seen, pending)) nCross++;
                }
            }
            int nRand = 0;
            for (int attempts = 0; pending.size() < options.population() && attempts < options.maxAttempts(); attempts++) {
                if (offer(space.random(rng), gen, Evaluated.Origin.RANDOM, seen, pending)) nRand++;
            }
            if (pending.isEmpty() && all.isEmpty()) {
                throw new BadInputException("no legal candidate found in " + options.maxAttempts() + " random attempts: no candidate has a "
                        + "parameter count in [" + options.paramMin() + ", " + options.paramLimit() + "]; widen the parameter range");
            }
            listener.generationStarted(gen, pending.size());
            List<Evaluated<C>> done = new ArrayList<>();
            for (int k = 0; k < pending.size(); k++) {
                Evaluated<C> p = pending.get(k);
                double f = fitness.evaluate(p.candidate());
                Evaluated<C> e = new Evaluated<>(p.candidate(), p.key(), f, p.params(), gen, p.origin());
                done.add(e);
                listener.candidateEvaluated(e, k, pending.size());
            }
            all.addAll(done);
            GenerationStats stats = stats(gen, done, topK(all, 1).getFirst().fitness(), nMut, nCross, nRand);
            history.add(stats);
            if (checkpoint != null) SearchCheckpoint.write(checkpoint, space, options, gen + 1, all, history);
            listener.generationDone(stats, topK(all, 1).getFirst(), List.copyOf(history));
        }
        return new SearchResult<>(topK(all, 1).getFirst(), List.copyOf(history), List.copyOf(all));
    }

    private boolean offer(C c, int gen, Evaluated.Origin origin, Set<String> seen, List<Evaluated<C>> pending) {
        long params = space.paramCount(c);
        if (params < options.paramMin() || params > options.paramLimit()) return false;
        String key = space.encode(c);
        if (!seen.add(key)) return false;
        pending.add(new Evaluated<>(c, key, Double.NaN, params, gen, origin));
        return true;
    }

    /** The best {@code k} of {@code all}: fitness descending, earlier evaluation first on ties. */
    static <C> List<Evaluated<C>> topK(List<Evaluated<C>> all, int k) {
        List<Integer> idx = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) idx.add(i);
        idx.sort(Comparator.<Integer>comparingDouble(i -> -all.get(i).fitness()).thenComparingInt(i -> i));
        List<Evaluated<C>> out = new ArrayList<>();
        for (int i = 0; i < Math.min(k, idx.size()); i++) out.add(all.get(idx.get(i)));
        return out;
    }

    private static <C> GenerationStats stats(int gen, List<Evaluated<C>> done, double bestSoFar, int nMut, int nCross, int nRand) {
        if (done.isEmpty()) return new GenerationStats(gen, 0, Double.NaN, Double.NaN, bestSoFar, 0, Double.NaN, 0, 0, nMut, nCross, nRand);
        Evaluated<C> best = topK(done, 1).getFirst();
        double mean = 0, meanP = 0;
        long minP = Long.MAX_VALUE, maxP = Long.MIN_VALUE;
        for (Evaluated<C> e : done) {
            mean += e.fitness();
            meanP += e.params();
            minP = Math.min(minP, e.params());
            maxP = Math.max(maxP, e.params());
        }
        return new GenerationStats(gen, done.size(), best.fitness(), mean / done.size(), bestSoFar, best.params(), meanP / done.size(),
                minP, maxP, nMut, nCross, nRand);
    }
}
