package io.lora4j.tests.concurrency;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lora4j.adapters.lora.LoraAdapter;
import io.lora4j.adapters.lora.LoraMerge;
import io.lora4j.engine.Backend;
import io.lora4j.engine.Backends;
import io.lora4j.engine.Tensor;
import io.lora4j.engine.io.SafetensorsFile;
import io.lora4j.models.nn.ForwardContext;
import io.lora4j.models.t5.GenerationConfig;
import io.lora4j.models.t5.T5ForConditionalGeneration;
import io.lora4j.models.vit.ViTForImageClassification;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The promise "a loaded model serves concurrent requests from many threads": one loaded model and one shared
 * {@code CpuBackend} (4 pool threads), {@value #THREADS} caller threads each running every request of a mixed set
 * {@value #ROUNDS} times in its own order. Every result must equal the same request computed single-threaded
 * beforehand: generated tokens exactly, floats within {@link #REL_TOL} relative (see there why not bit-for-bit).
 * The CPU kernels split work into fixed chunks that each write their own output, so scheduling does not change
 * results; a mismatch means requests shared state. Checked to fail: a Gemm packing buffer shared between calls
 * (a static instead of a per-call array) fails all three tests.
 */
class ConcurrentInferenceTest {
    static final int THREADS = 8;
    static final int ROUNDS = 2;
    /**
     * Relative tolerance on floats: the same request is NOT bit-for-bit reproducible within one JVM, even on one thread
     * (a cold first call and later JIT-compiled calls of the Vector API kernels differ in the last bits, measured up
     * to ~1e-6 relative on these fixtures), so exact equality would test the JIT, not thread safety. A request that
     * read another request's state would be off by orders of magnitude more. Tokens must match exactly.
     */
    static final double REL_TOL = 1e-5;
    static final Backend CPU = Backends.create("cpu", 4);

    @AfterAll
    static void close() {
        CPU.close();
    }

    /** A named request whose result is compared with {@link Arrays#deepEquals} (floats by bit pattern). */
    record Request(String name, Supplier<Object> run) {}

    @Test
    void t5LogitsScoresGreedyAndBeamFromManyThreads() {
        Path dir = Path.of("fixtures/t5/gated_gelu_untied");
        T5ForConditionalGeneration m = T5ForConditionalGeneration.load(dir);
        SafetensorsFile f = SafetensorsFile.open(dir.resolve("expected.safetensors"));
        int[][] ids = ints(f.get("input_ids")), mask = ints(f.get("attention_mask")), dec = ints(f.get("decoder_input_ids"));
        int[][] labels = ints(f.get("labels"));
        int[][] inputs = new int[ids.length][], targets = new int[ids.length][];
        for (int i = 0; i < ids.length; i++) {
            inputs[i] = Arrays.copyOf(ids[i], Arrays.stream(mask[i]).sum());
            targets[i] = Arrays.stream(labels[i]).filter(v -> v != -100).toArray();
        }
        assertConcurrentEqualsSequential(t5Requests(m, inputs, targets, mask, ids, dec));
    }

    @Test
    void loraWrappedT5FromManyThreads() throws Exception {
        Path dir = Path.of("fixtures/lora");
        T5ForConditionalGeneration base = T5ForConditionalGeneration.load(dir.resolve("model"));
        LoraAdapter a = LoraAdapter.load(dir.resolve("adapters/plain"));
        T5ForConditionalGeneration m = base.withLinears(LoraMerge.rewriter(CPU, List.of(a), false));
        JsonNode meta = new ObjectMapper().readTree(dir.resolve("expected.json").toFile());
        int[][] enc = ints(meta.path("enc_ids")), dec = ints(meta.path("dec_ids"));
        // the wrapped model is the PEFT-parity one (LoraT5ParityTest checks it against PEFT; here a sanity bound)
        float[] peft = SafetensorsFile.open(dir.resolve("expected.safetensors")).get("plain.logits").toFloatArray();
        float[] ours = m.logits(CPU, enc, null, dec, ForwardContext.NONE).toFloatArray();
        for (int i = 0; i < ours.length; i++) assertEquals(peft[i], ours[i], 2e-4f, "LoRA logits vs PEFT at " + i);
        List<Request> reqs = new ArrayList<>(t5Requests(m, enc, dec, null, null, null));
        // base and adapted model share the base weights: interleave requests to both
        reqs.add(new Request("base logits", () -> base.logits(CPU, enc, null, dec, ForwardContext.NONE).toFloatArray()));
        reqs.add(new Request("base greedy", () -> base.generate(CPU, enc, GenerationConfig.greedy(6), ForwardContext.NONE).tokens()));
        assertConcurrentEqualsSequential(reqs);
    }

    @Test
    void vitClassifierFromManyThreads() {
        ViTForImageClassification m = ViTForImageClassification.load(Path.of("fixtures/vit/hf-vit-cls"));
        Tensor px = SafetensorsFile.open(Path.of("fixtures/vit/expected.safetensors")).get("pixel_values");
        float[] all = px.toFloatArray();
        int n = px.dim(0), per = all.length / n;
        List<Request> reqs = new ArrayList<>();
        reqs.add(new Request("batch", () -> m.logits(CPU, px).toFloatArray()));
        for (int i = 0; i < n; i++) {
            Tensor one = Tensor.of(Arrays.copyOfRange(all, i * per, (i + 1) * per), 1, px.dim(1), px.dim(2), px.dim(3));
            reqs.add(new Request("image " + i, () -> m.logits(CPU, one).toFloatArray()));
            float[] inv = Arrays.copyOfRange(all, i * per, (i + 1) * per);
            for (int j = 0; j < inv.length; j++) inv[j] = -0.5f * inv[j];
            Tensor other = Tensor.of(inv, 1, px.dim(1), px.dim(2), px.dim(3));
            reqs.add(new Request("scaled image " + i, () -> m.logits(CPU, other).toFloatArray()));
        }
        reqs.add(new Request("hidden states", () -> m.vit().hiddenStates(CPU, px, false, ForwardContext.NONE).stream()
                .map(Tensor::toFloatArray).toArray()));
        assertConcurrentEqualsSequential(reqs);
    }

    /**
     * Logits, scores, greedy and beam generation over single rows, row pairs, the whole batch and reversed inputs.
     * {@code mask}, {@code padded} and {@code padDec} (all optional) add a padded-batch logits request.
     */
    static List<Request> t5Requests(T5ForConditionalGeneration m, int[][] inputs, int[][] dec, int[][] mask, int[][] padded, int[][] padDec) {
        List<Request> r = new ArrayList<>();
        GenerationConfig greedy = GenerationConfig.greedy(8);
        GenerationConfig beam = new GenerationConfig(8, 3, 1.0f, GenerationConfig.EarlyStopping.FALSE);
        GenerationConfig beam4 = new GenerationConfig(6, 4, 0.6f, GenerationConfig.EarlyStopping.TRUE);
        int[][] reversed = new int[inputs.length][];
        for (int i = 0; i < inputs.length; i++) {
            reversed[i] = new int[inputs[i].length];
            for (int j = 0; j < reversed[i].length; j++) reversed[i][j] = inputs[i][inputs[i].length - 1 - j];
        }
        int[][] decFull = new int[inputs.length][];
        for (int i = 0; i < inputs.length; i++) decFull[i] = dec[i % dec.length];
        r.add(new Request("score all", () -> m.score(CPU, inputs, decFull, ForwardContext.NONE).exampleLosses()));
        r.add(new Request("score reversed", () -> m.score(CPU, reversed, decFull, ForwardContext.NONE).exampleLosses()));
        r.add(new Request("greedy all", () -> m.generate(CPU, inputs, greedy, ForwardContext.NONE).tokens()));
        r.add(new Request("greedy reversed", () -> m.generate(CPU, reversed, greedy, ForwardContext.NONE).tokens()));
        r.add(new Request("beam3 all", () -> m.generate(CPU, inputs, beam, ForwardContext.NONE).tokens()));
        r.add(new Request("beam4 reversed", () -> m.generate(CPU, reversed, beam4, ForwardContext.NONE).tokens()));
        for (int i = 0; i < inputs.length; i++) {
            int[][] one = {inputs[i]}, oneDec = {decFull[i]};
            GenerationConfig g = i % 2 == 0 ? greedy : beam;
            r.add(new Request("logits row " + i, () -> m.logits(CPU, one, null, oneDec, ForwardContext.NONE).toFloatArray()));
            r.add(new Request((i % 2 == 0 ? "greedy" : "beam3") + " row " + i, () -> m.generate(CPU, one, g, ForwardContext.NONE).tokens()));
        }
        if (padded != null) {
            r.add(new Request("logits padded", () -> m.logits(CPU, padded, mask, padDec, ForwardContext.NONE).toFloatArray()));
        }
        return r;
    }

    /** Runs every request once sequentially (twice, to check determinism), then all from {@value #THREADS} threads. */
    static void assertConcurrentEqualsSequential(List<Request> reqs) {
        long t0 = System.nanoTime();
        Object[] expected = reqs.stream().map(q -> q.run().get()).toArray();
        double[] seqMax = new double[1];
        for (int i = 0; i < reqs.size(); i++) {
            String d = mismatch(expected[i], reqs.get(i).run().get(), seqMax);
            assertTrue(d == null, reqs.get(i).name() + ": single-threaded re-run differs: " + d);
        }
        double[] concMax = new double[1];
        long t1 = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<List<String>>> futures = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int offset = t;
                futures.add(pool.submit(() -> {
                    start.await();
                    List<String> bad = new ArrayList<>();
                    for (int round = 0; round < ROUNDS; round++) {
                        for (int k = 0; k < reqs.size(); k++) {
                            int i = (k * (offset % 2 == 0 ? 1 : reqs.size() - 1) + offset * 3 + round) % reqs.size();
                            Object got = reqs.get(i).run().get();
                            String d = mismatch(expected[i], got, concMax);
                            if (d != null) {
                                bad.add("thread " + offset + " round " + round + ": " + reqs.get(i).name() + ": " + d);
                            }
                        }
                    }
                    return bad;
                }));
            }
            start.countDown();
            List<String> bad = new ArrayList<>();
            for (Future<List<String>> fu : futures) bad.addAll(fu.get(60, TimeUnit.SECONDS));
            assertTrue(bad.isEmpty(), "results differ from the single-threaded ones: " + bad);
            System.err.printf("%d requests x %d threads x %d rounds: max relative float diff vs first run: sequential %.3g, concurrent %.3g (sequential %d ms, concurrent %d ms)%n",
                    reqs.size(), THREADS, ROUNDS, seqMax[0], concMax[0], (t1 - t0) / 1_000_000, (System.nanoTime() - t1) / 1_000_000);
        } catch (Exception e) {
            if (e instanceof RuntimeException re) throw re;
            throw new AssertionError(e);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Null when {@code got} equals {@code exp}: token arrays exactly, floats within {@link #REL_TOL} relative (raising
     * {@code max[0]} to the largest relative difference seen), else a description of the first difference.
     */
    static String mismatch(Object exp, Object got, double[] max) {
        if (exp instanceof float[] e && got instanceof float[] g) {
            if (e.length != g.length) return "length " + g.length + " != " + e.length;
            for (int i = 0; i < e.length; i++) {
                double d = Math.abs((double) e[i] - g[i]) / Math.max(1, Math.abs(e[i]));
                if (!(d <= REL_TOL)) return "element " + i + ": " + g[i] + " != " + e[i];
                max[0] = Math.max(max[0], d);
            }
            return null;
        }
        if (exp instanceof double[] e && got instanceof double[] g) {
            if (e.length != g.length) return "length " + g.length + " != " + e.length;
            for (int i = 0; i < e.length; i++) {
                double d = Math.abs(e[i] - g[i]) / Math.max(1, Math.abs(e[i]));
                if (!(d <= REL_TOL)) return "element " + i + ": " + g[i] + " != " + e[i];
                max[0] = Math.max(max[0], d);
            }
            return null;
        }
        if (exp instanceof int[][] e && got instanceof int[][] g) {
            return Arrays.deepEquals(e, g) ? null : Arrays.deepToString(g) + " != " + Arrays.deepToString(e);
        }
        if (exp instanceof Object[] e && got instanceof Object[] g) {
            if (e.length != g.length) return "length " + g.length + " != " + e.length;
            for (int i = 0; i < e.length; i++) {
                String d = mismatch(e[i], g[i], max);
                if (d != null) return "[" + i + "] " + d;
            }
            return null;
        }
        return "unexpected result types " + exp.getClass() + ", " + got.getClass();
    }

    static int[][] ints(Tensor t) {
        int[] flat = t.toIntArray();
        int rows = t.dim(0), cols = t.dim(1);
        int[][] out = new int[rows][];
        for (int i = 0; i < rows; i++) out[i] = Arrays.copyOfRange(flat, i * cols, (i + 1) * cols);
        return out;
    }

    static int[][] ints(JsonNode n) {
        int[][] out = new int[n.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = new int[n.get(i).size()];
            for (int j = 0; j < out[i].length; j++) out[i][j] = n.get(i).get(j).asInt();
        }
        return out;
    }
}
