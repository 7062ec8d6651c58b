package io.lora4j.tools.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.lora4j.adapters.lora.LoraAdapter;
import io.lora4j.adapters.lora.LoraConfig;
import io.lora4j.adapters.lorahub.LoraHubComposer;
import io.lora4j.engine.Backend;
import io.lora4j.engine.BadInputException;
import io.lora4j.engine.DType;
import io.lora4j.engine.Tensor;
import io.lora4j.engine.io.Checkpoints;
import io.lora4j.models.nn.Linear;
import io.lora4j.models.t5.T5Config;
import io.lora4j.models.t5.T5ForConditionalGeneration;
import io.lora4j.optim.lorahub.LoraHubLearner;
import io.lora4j.optim.lorahub.LoraHubLoss;
import io.lora4j.optim.lorahub.LoraHubRun;
import io.lora4j.optim.lorahub.LoraHubSettings;
import io.lora4j.optim.lorahub.LossNormalization;
import io.lora4j.tools.CommonOptions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code lora4j bench lorahub}: a whole LoRAHub search on random weights of a FLAN-T5 shape and random LoRA modules
 * of the public pool's shape (r 16, alpha 32, q and v of every attention). Compare with
 * tools/reference/lorahub_loop.py (the reference's per-evaluation work: PEFT set_peft_model_state_dict + forward).
 */
@Command(name = "lorahub", mixinStandardHelpOptions = true,
        description = {"LoRAHub search benchmark on random FLAN-T5-shaped weights and random r-16 q/v LoRA modules.",
                "Python's figure for the same loop: tools/reference/lorahub_loop.py."})
public final class LoraHubBench implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Option(names = "--preset", defaultValue = "flan-t5-large", paramLabel = "NAME", description = "flan-t5-large (default), flan-t5-base, flan-t5-small, tiny.")
    String preset;

    @Option(names = "--modules", defaultValue = "20", description = "LoRA modules (default ${DEFAULT-VALUE}).")
    int modules;

    @Option(names = "--budget", defaultValue = "40", description = "Score evaluations (default ${DEFAULT-VALUE}).")
    int budget;

    @Option(names = "--examples", defaultValue = "5", description = "Few-shot examples (default ${DEFAULT-VALUE}).")
    int examples;

    @Option(names = "--input-tokens", defaultValue = "128", description = "Input tokens per example (default ${DEFAULT-VALUE}).")
    int inputTokens;

    @Option(names = "--target-tokens", defaultValue = "8", description = "Target tokens per example (default ${DEFAULT-VALUE}).")
    int targetTokens;

    @Option(names = "--rank", defaultValue = "16", description = "LoRA rank (default ${DEFAULT-VALUE}; alpha = 2·rank).")
    int rank;

    @Option(names = "--optimizer", defaultValue = "auto", description = "cma | bobyqa | es | random | auto (default ${DEFAULT-VALUE}).")
    String optimizer;

    @Option(names = "--batch-candidates", defaultValue = "1", paramLabel = "N",
            description = "CMA-ES candidates scored together in one batched forward pass: 1 = one after the other (default), N = at most N, 0 = as many as fit the young generation.")
    int batchCandidates;

    @Option(names = "--no-batch", description = "Score candidates one after the other (same as --batch-candidates 1, the default).")
    boolean noBatch;

    @Option(names = "--heap-weights", description = "Random F32 base weights on the Java heap (default: BF16-valued F32 in native memory, as a mapped checkpoint).")
    boolean heapWeights;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of weights, modules, ids and the search.")
    long seed;

    @Override
    public Integer call() throws Exception {
        if (modules < 1 || budget < 1 || examples < 1 || inputTokens < 2 || targetTokens < 1 || rank < 1) {
            throw new BadInputException("--modules, --budget, --examples, --target-tokens, --rank must be ≥ 1, --input-tokens ≥ 2");
        }
        T5Config c = T5Bench.preset(preset);
        long t0 = System.nanoTime();
        // native: drawn as BF16 in native memory (T5Bench), widened tensor by tensor to native F32, so the heap never holds them
        Map<String, Tensor> weights = heapWeights ? T5Bench.randomWeights(c, DType.F32, seed) : nativeF32(T5Bench.randomWeights(c, DType.BF16, seed));
        T5ForConditionalGeneration m = T5ForConditionalGeneration.from(c, Checkpoints.of("random " + preset, weights));
        LoraConfig cfg = LoraConfig.parse(new ObjectMapper().readTree("{\"peft_type\":\"LORA\",\"r\":" + rank + ",\"lora_alpha\":" + 2 * rank
                + ",\"target_modules\":[\"q\",\"v\"],\"bias\":\"none\",\"task_type\":\"SEQ_2_SEQ_LM\"}"), "bench");
        List<LoraAdapter> pool = new ArrayList<>();
        SplittableRandom rnd = new SplittableRandom(seed + 7);
        for (int k = 0; k < modules; k++) {
            Map<String, Tensor> t = new LinkedHashMap<>();
            for (Map.Entry<String, Linear> e : m.linears().entrySet()) {
                if (!cfg.targets(e.getKey())) continue;
                t.put(LoraAdapter.PREFIX + e.getKey() + ".lora_A.weight", gaussian(rnd, 0.02, rank, e.getValue().inFeatures()));
                t.put(LoraAdapter.PREFIX + e.getKey() + ".lora_B.weight", gaussian(rnd, 0.02, e.getValue().outFeatures(), rank));
            }
            pool.add(LoraAdapter.fromTensors("m" + k, cfg, Checkpoints.of("module " + k, t)));
        }
        int[][] in = ids(rnd, examples, inputTokens, c.vocabSize()), out = ids(rnd, examples, targetTokens, c.vocabSize());
        double setup = (System.nanoTime() - t0) / 1e9;
        Map<String, Object> j = new LinkedHashMap<>();
        try (Backend be = common.openBackend()) {
            LoraHubLoss loss = new LoraHubLoss(be, m, new LoraHubComposer(pool), in, out, Integer.MAX_VALUE, LossNormalization.REFERENCE);
            LoraHubSettings s = LoraHubSettings.defaults().withBudget(budget).withOptimizer(optimizer).withSeed(seed)
                    .withBatchCandidates(noBatch ? 1 : batchCandidates);
            long t1 = System.nanoTime();
            LoraHubLearner.Result r = LoraHubRun.learn(loss, s, null);
            double secs = (System.nanoTime() - t1) / 1e9;
            j.put("bench", "lorahub");
            j.put("preset", preset);
            j.put("modules", modules);
            j.put("rank", rank);
            j.put("examples", examples);
            j.put("input_tokens", inputTokens);
            j.put("target_tokens", targetTokens);
            j.put("optimizer", r.optimizer());
            j.put("evaluations", r.log().size());
            j.put("batch_candidates", s.batched() ? (s.batchCandidates() == 0 ? loss.candidatesPerForward() : s.batchCandidates()) : 1);
            j.put("backend", be.name());
            j.put("threads", be.threads());
            j.put("weights", heapWeights ? "heap" : "native");
            j.put("setup_seconds", setup);
            j.put("search_seconds", secs);
            j.put("seconds_per_evaluation", secs / r.log().size());
            j.put("base_score", r.first().score());
            j.put("best_score", r.best().score());
        }
        if (common.json) {
            System.out.println(new ObjectMapper().writeValueAsString(j));
        } else {
            System.out.printf(Locale.ROOT, "lorahub bench: %s, %d modules (r %d, q/v), %d examples × %d→%d tokens, %s backend, %s threads%n", preset,
                    modules, rank, examples, inputTokens, targetTokens, j.get("backend"), j.get("threads"));
            System.out.printf(Locale.ROOT, "  setup %.1f s; search: %d evaluations with %s (up to %s candidates per forward) in %.2f s = %.3f s per evaluation%n",
                    setup, j.get("evaluations"), j.get("optimizer"), j.get("batch_candidates"), (double) j.get("search_seconds"),
                    (double) j.get("seconds_per_evaluation"));
        }
        return 0;
    }

    /**
     * F32 copies in native memory, like the mapped F32 safetensors of a real checkpoint: the heap then holds only what a
     * real run holds (modules, activations), so garbage collection costs what it costs in a real run.
     */
    private static Map<String, Tensor> nativeF32(Map<String, Tensor> weights) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (var it = weights.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            float[] v = e.getValue().toFloatArray();
            java.lang.foreign.MemorySegment seg = java.lang.foreign.Arena.ofAuto().allocate((long) v.length * 4, 64);
            java.lang.foreign.MemorySegment.copy(v, 0, seg, java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), 0, v.length);
            out.put(e.getKey(), Tensor.ofSegment(seg, DType.F32, e.getValue().shape()));
            it.remove();
        }
        return out;
    }

    private static Tensor gaussian(SplittableRandom r, double std, int rows, int cols) {
        float[] v = new float[rows * cols];
        for (int i = 0; i < v.length; i++) {
            double u1 = 1 - r.nextDouble(), u2 = r.nextDouble();
            v[i] = (float) (std * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2));
        }
        return Tensor.of(v, rows, cols);
    }

    private static int[][] ids(SplittableRandom r, int rows, int len, int vocab) {
        int[][] ids = new int[rows][len];
        for (int[] row : ids) {
            for (int j = 0; j < len - 1; j++) row[j] = 2 + r.nextInt(vocab - 2);
            row[len - 1] = 1;
        }
        return ids;
    }
}
