package io.lora4j.optim.lorahub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lora4j.engine.BadInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LoraHubLearnerTest {
    /** A smooth stand-in for the few-shot loss with its minimum at (0.8, -0.4, 0, 0, 0.3). */
    static double loss(double[] w) {
        double[] t = {0.8, -0.4, 0, 0, 0.3};
        double s = 1;
        for (int i = 0; i < w.length; i++) s += (w[i] - t[i]) * (w[i] - t[i]);
        return s;
    }

    @ParameterizedTest
    @ValueSource(strings = {"cma", "bobyqa", "es", "random", "auto"})
    void startsAtStartStaysInBudgetAndBoundsAndKeepsTheBest(String opt) {
        LoraHubSettings s = LoraHubSettings.defaults().withOptimizer(opt).withSeed(7);
        LoraHubLearner.Result r = LoraHubLearner.learn(LoraHubLearnerTest::loss, 5, s, null);
        assertEquals(40, r.log().size(), "uses the whole budget");
        assertArrayEquals(new double[5], r.first().weights(), "first evaluation is the start point (base model)");
        double min = Double.POSITIVE_INFINITY;
        for (var e : r.log()) {
            for (double v : e.weights()) assertTrue(v >= -1.5 && v <= 1.5);
            assertEquals(loss(e.weights()), e.loss(), 1e-12);
            assertEquals(e.loss() + e.regularization(), e.score(), 1e-12);
            double mean = 0;
            for (double v : e.weights()) mean += Math.abs(v) / 5;
            assertEquals(0.05 * mean, e.regularization(), 1e-12);
            min = Math.min(min, e.score());
        }
        assertEquals(min, r.best().score());
        assertTrue(r.best().score() <= r.first().score());
        if (!opt.equals("random")) assertTrue(r.best().score() < loss(new double[5]) - 0.1, opt + ": " + r.best().score());
    }

    @Test
    void sameSeedSameRun() {
        LoraHubSettings s = LoraHubSettings.defaults().withOptimizer("cma").withSeed(3);
        var a = LoraHubLearner.learn(LoraHubLearnerTest::loss, 5, s, null);
        var b = LoraHubLearner.learn(LoraHubLearnerTest::loss, 5, s, null);
        assertArrayEquals(a.weights(), b.weights());
    }

    @Test
    void tiesGoToTheLaterEvaluation() {
        var r = LoraHubLearner.learn(w -> 1.0, 3, LoraHubSettings.defaults().withOptimizer("random").withBudget(5).withSeed(1)
                .withRegularization(0), null);
        assertEquals(4, r.best().index());
    }

    @Test
    void badSettingsAreRejected() {
        var d = LoraHubSettings.defaults();
        org.junit.jupiter.api.Assertions.assertThrows(BadInputException.class,
                () -> new LoraHubSettings(0, -1, 1, 0, 0.5, 0.05, "auto", 1, 1, LossNormalization.REFERENCE));
        org.junit.jupiter.api.Assertions.assertThrows(BadInputException.class,
                () -> new LoraHubSettings(40, -1, 1, 2, 0.5, 0.05, "auto", 1, 1, LossNormalization.REFERENCE));
        org.junit.jupiter.api.Assertions.assertThrows(BadInputException.class, () -> LoraHubLearner.learn(w -> 0, 2, d.withOptimizer("nope"), null));
    }

    @ParameterizedTest
    @ValueSource(strings = {"cma", "bobyqa", "auto"})
    void batchedSearchIsTheSameSearchAndGetsWholeGenerations(String opt) {
        LoraHubSettings s = LoraHubSettings.defaults().withOptimizer(opt).withSeed(5).withBudget(37);
        java.util.List<Integer> sizes = new java.util.ArrayList<>();
        var batched = LoraHubLearner.learnBatched(ws -> {
            sizes.add(ws.length);
            double[] v = new double[ws.length];
            for (int i = 0; i < ws.length; i++) v[i] = loss(ws[i]);
            return v;
        }, 5, s, null);
        var single = LoraHubLearner.learn(LoraHubLearnerTest::loss, 5, s, null);
        assertEquals(single.log().size(), batched.log().size());
        assertEquals(37, sizes.stream().mapToInt(Integer::intValue).sum(), "every evaluation once, within the budget");
        for (int i = 0; i < single.log().size(); i++) {
            assertArrayEquals(single.log().get(i).weights(), batched.log().get(i).weights());
            assertEquals(single.log().get(i).score(), batched.log().get(i).score());
            assertEquals(i, batched.log().get(i).index());
        }
        assertArrayEquals(single.weights(), batched.weights());
        int lambda = io.lora4j.optim.CmaEs.defaultPopulationSize(5);
        if (opt.equals("cma")) {
            assertEquals(1, sizes.get(0), "the start point first");
            assertEquals(lambda, sizes.get(1), "then whole generations");
            assertEquals((37 - 1) % lambda == 0 ? lambda : (37 - 1) % lambda, sizes.get(sizes.size() - 1), "the last, partial generation");
        } else {
            assertTrue(sizes.stream().allMatch(n -> n == 1), opt + " proposes one point at a time");
        }
    }
}
