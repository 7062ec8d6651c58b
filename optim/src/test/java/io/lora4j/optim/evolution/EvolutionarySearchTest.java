package io.lora4j.optim.evolution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lora4j.engine.BadInputException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvolutionarySearchTest {
    static final int GENES = 10, VALUES = 4;
    static final int[] TARGET = {3, 1, 0, 2, 3, 3, 1, 0, 2, 1};

    /** Toy space: GENES genes in [0, VALUES); size = sum of genes. */
    static final class Toy implements SearchSpace<List<Integer>> {
        @Override
        public List<Integer> random(SplitMix64 rng) {
            List<Integer> g = new ArrayList<>();
            for (int i = 0; i < GENES; i++) g.add(rng.nextInt(VALUES));
            return g;
        }

        @Override
        public List<Integer> mutate(List<Integer> p, double prob, SplitMix64 rng) {
            List<Integer> g = new ArrayList<>(p);
            for (int i = 0; i < GENES; i++) if (rng.nextDouble() < prob) g.set(i, rng.nextInt(VALUES));
            return g;
        }

        @Override
        public List<Integer> crossover(List<Integer> a, List<Integer> b, SplitMix64 rng) {
            List<Integer> g = new ArrayList<>();
            for (int i = 0; i < GENES; i++) g.add(rng.nextInt(2) == 0 ? a.get(i) : b.get(i));
            return g;
        }

        @Override
        public long paramCount(List<Integer> c) {
            return c.stream().mapToInt(Integer::intValue).sum();
        }

        @Override
        public String encode(List<Integer> c) {
            StringBuilder s = new StringBuilder();
            for (int v : c) s.append(v);
            return s.toString();
        }

        @Override
        public List<Integer> decode(String t) {
            if (t.length() != GENES) throw new BadInputException("bad toy candidate " + t);
            List<Integer> g = new ArrayList<>();
            for (char ch : t.toCharArray()) g.add(ch - '0');
            return g;
        }
    }

    /** Matches with TARGET, plus an irrational tie-breaker so doubles must round-trip exactly. */
    static double fitness(List<Integer> c) {
        double f = 0;
        for (int i = 0; i < GENES; i++) f += c.get(i) == TARGET[i] ? 1 : 0;
        return f + Math.sqrt(2) * 1e-3 * c.get(0) / 3.0;
    }

    static EvolutionOptions opts(long seed) {
        return new EvolutionOptions(12, 8, 4, 5, 0.2, 5, 250, 18, 3, seed);
    }

    @Test
    void findsTheOptimumAndObeysLegality() {
        Set<String> keys = new HashSet<>();
        SearchResult<List<Integer>> r = new EvolutionarySearch<>(new Toy(), EvolutionarySearchTest::fitness, opts(1)).run(null);
        for (Evaluated<List<Integer>> e : r.evaluated()) {
            assertTrue(keys.add(e.key()), "evaluated twice: " + e.key());
            assertTrue(e.params() >= 3 && e.params() <= 18, "illegal size " + e.params());
        }
        assertEquals(8, r.history().size());
        assertEquals(12, r.history().getFirst().size());
        assertEquals(12, r.history().getFirst().randoms());
        assertEquals(5, r.history().get(1).mutations());
        assertEquals(5, r.history().get(1).crossovers());
        // TARGET sums to 16 ≤ 18, so the optimum is legal; evolution should beat generation 0's best clearly.
        assertTrue(r.best().fitness() > r.history().getFirst().best(), "no progress: " + r.history());
        assertTrue(r.best().fitness() >= 8, "best " + r.best());
        for (int g = 1; g < r.history().size(); g++) assertTrue(r.history().get(g).bestSoFar() >= r.history().get(g - 1).bestSoFar());
        // Seeded: same seed, same search; other seed, other search.
        SearchResult<List<Integer>> again = new EvolutionarySearch<>(new Toy(), EvolutionarySearchTest::fitness, opts(1)).run(null);
        assertEquals(r.evaluated(), again.evaluated());
        SearchResult<List<Integer>> other = new EvolutionarySearch<>(new Toy(), EvolutionarySearchTest::fitness, opts(2)).run(null);
        assertNotEquals(r.evaluated().stream().map(Evaluated::key).toList(), other.evaluated().stream().map(Evaluated::key).toList());
    }

    @Test
    void resumeGivesTheUninterruptedResult(@TempDir Path dir) {
        SearchResult<List<Integer>> full = new EvolutionarySearch<>(new Toy(), EvolutionarySearchTest::fitness, opts(5)).run(dir.resolve("a.json"), false, null);
        Path ckpt = dir.resolve("b.json");
        AtomicInteger calls = new AtomicInteger();
        // Crash in the middle of generation 3 (after generations 0..2 are checkpointed).
        Fitness<List<Integer>> crashing = c -> {
            if (calls.incrementAndGet() > 12 * 3 + 4) throw new IllegalStateException("simulated crash");
            return fitness(c);
        };
        assertThrows(IllegalStateException.class, () -> new EvolutionarySearch<>(new Toy(), crashing, opts(5)).run(ckpt, false, null));
        AtomicInteger resumedCalls = new AtomicInteger();
        Fitness<List<Integer>> counting = c -> {
            resumedCalls.incrementAndGet();
            return fitness(c);
        };
        SearchResult<List<Integer>> resumed = new EvolutionarySearch<>(new Toy(), counting, opts(5)).run(ckpt, true, null);
        assertEquals(full.best(), resumed.best());
        assertEquals(full.history(), resumed.history());
        assertEquals(full.evaluated(), resumed.evaluated());
        assertEquals(full.evaluated().size() - 36, resumedCalls.get(), "resume re-evaluated checkpointed candidates");
        // Resuming a finished search evaluates nothing and returns the same result.
        resumedCalls.set(0);
        SearchResult<List<Integer>> again = new EvolutionarySearch<>(new Toy(), counting, opts(5)).run(ckpt, true, null);
        assertEquals(0, resumedCalls.get());
        assertEquals(full.best(), again.best());
        // Extending a finished search with more generations = a longer search from the start.
        SearchResult<List<Integer>> longer = new EvolutionarySearch<>(new Toy(), EvolutionarySearchTest::fitness, opts(5).withGenerations(11)).run(null);
        SearchResult<List<Integer>> extended = new EvolutionarySearch<>(new Toy(), counting, opts(5).withGenerations(11)).run(ckpt, true, null);
        assertEquals(longer.evaluated(), extended.evaluated());
        assertEquals(longer.history(), extended.history());
        // Different options: refused with a message.
        var e = assertThrows(BadInputException.class, () -> new EvolutionarySearch<>(new Toy(), counting, opts(6)).run(ckpt, true, null));
        assertTrue(e.getMessage().contains("different search options"), e.getMessage());
    }

    @Test
    void impossibleParameterRangeIsReported() {
        EvolutionOptions o = new EvolutionOptions(5, 2, 2, 1, 0.2, 1, 50, 100, 90, 0);
        var e = assertThrows(BadInputException.class, () -> new EvolutionarySearch<>(new Toy(), EvolutionarySearchTest::fitness, o).run(null));
        assertTrue(e.getMessage().contains("[90, 100]"), e.getMessage());
    }

    @Test
    void splitMixIsUniformEnough() {
        SplitMix64 r = SplitMix64.of(42, 0);
        int[] counts = new int[5];
        for (int i = 0; i < 50_000; i++) counts[r.nextInt(5)]++;
        for (int c : counts) assertTrue(Math.abs(c - 10_000) < 500, java.util.Arrays.toString(counts));
        assertNotEquals(SplitMix64.of(42, 0).nextLong(), SplitMix64.of(42, 1).nextLong());
    }
}
