package io.lora4j.tools.lora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lora4j.adapters.lora.LoraAdapter;
import io.lora4j.adapters.lora.LoraMerge;
import io.lora4j.adapters.lorahub.LoraHubComposer;
import io.lora4j.engine.Backend;
import io.lora4j.models.t5.Seq2SeqExamples;
import io.lora4j.models.t5.T5ForConditionalGeneration;
import io.lora4j.models.tokenizer.T5Tokenizer;
import io.lora4j.optim.lorahub.ExactMatch;
import io.lora4j.optim.lorahub.LoraHubRun;
import io.lora4j.optim.lorahub.LoraHubSettings;
import io.lora4j.optim.lorahub.ModulePool;
import io.lora4j.tools.CommonOptions;
import io.lora4j.tools.ProgressBar;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code lora4j demo}: LoRAHub end to end on the embedded default (no download). A tiny T5 and six LoRA modules
 * trained on synthetic upstream tasks ("does the input contain X?", each answered with its own pair of words;
 * see tools/reference/lora_demo.py) ship in the jar. A hidden target is planted: the LoRAHub composition of the
 * modules with weights w*. Its greedy answers label 45 sentences; LoRAHub learns w from the first 5 and the
 * demo reports exact match on the other 40 for the base model and the learned composition.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"LoRAHub end to end on an embedded tiny T5 and six LoRA modules (no download, seconds).",
                "Plants a target composition w*, learns w from 5 of its answers, reports exact match on 40 held-out inputs."})
public final class DemoCommand implements Callable<Integer> {
    private static final String RES = "/io/lora4j/tools/demo/";

    @Mixin
    CommonOptions common;

    @Option(names = "--optimizer", defaultValue = "auto", paramLabel = "NAME", description = "cma | bobyqa | es | random | auto (default ${DEFAULT-VALUE}).")
    String optimizer;

    @Option(names = "--budget", defaultValue = "40", paramLabel = "N", description = "Score evaluations (default ${DEFAULT-VALUE}).")
    int budget;

    @Option(names = "--seed", defaultValue = "42", paramLabel = "S", description = "Optimizer seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--out", paramLabel = "DIR", description = "Keep the run's outputs (weights.json, adapter/, merged/, log.jsonl, plots) here.")
    Path out;

    /** The demo's outcome (what --json prints). */
    @Override
    public Integer call() throws Exception {
        Map<String, Object> j = run();
        if (common.json) System.out.println(new ObjectMapper().writeValueAsString(j));
        return 0;
    }

    /** Runs the demo; prints the human report unless --json/--quiet; returns the JSON summary. */
    public Map<String, Object> run() throws IOException {
        long t0 = System.nanoTime();
        Path dir = Files.createTempDirectory("lora4j-demo");
        try {
            extract(dir);
            return run(dir, t0);
        } finally {
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private Map<String, Object> run(Path dir, long t0) throws IOException {
        boolean talk = !common.json && !common.quiet;
        JsonNode demo = new ObjectMapper().readTree(dir.resolve("demo.json").toFile());
        Path modelDir = dir.resolve("model");
        List<Path> moduleDirs = ModulePool.list(dir.resolve("modules"));
        List<LoraAdapter> modules = ModulePool.load(moduleDirs);
        double[] planted = new double[modules.size()];
        Map<String, Double> plantedMap = new LinkedHashMap<>();
        for (int i = 0; i < modules.size(); i++) {
            planted[i] = demo.path("planted_weights").path(modules.get(i).name()).asDouble(0);
            plantedMap.put(modules.get(i).name(), planted[i]);
        }
        List<String> inputs = new ArrayList<>();
        demo.path("inputs").forEach(n -> inputs.add(n.asText()));
        int k = demo.path("few_shot").asInt(5);

        Map<String, Object> j = new LinkedHashMap<>();
        try (Backend be = common.openBackend()) {
            // the hidden target: the base model with the planted composition; its greedy answers are the labels
            T5ForConditionalGeneration base = T5ForConditionalGeneration.load(modelDir);
            T5Tokenizer tok = T5Tokenizer.load(modelDir);
            LoraAdapter plantedAdapter = new LoraHubComposer(modules).compose(planted);
            T5ForConditionalGeneration target = base.withLinears(LoraMerge.rewriter(be, List.of(plantedAdapter), false));
            List<String> answers = ExactMatch.predict(be, target, tok, inputs, 8, 16);
            List<Seq2SeqExamples.Example> all = new ArrayList<>();
            for (int i = 0; i < inputs.size(); i++) all.add(new Seq2SeqExamples.Example(inputs.get(i), answers.get(i)));
            List<Seq2SeqExamples.Example> fewShot = all.subList(0, k), heldOut = all.subList(k, all.size());
            if (talk) {
                System.out.printf("lora4j demo: LoRAHub on a tiny T5 (d_model %d) with %d LoRA modules (no download)%n",
                        base.config().dModel(), modules.size());
                System.out.println("hidden target: the modules composed with w* (below); its answers to " + all.size() + " sentences, e.g.");
                for (int i = 0; i < 3; i++) System.out.printf("  \"%s\" -> \"%s\"%n", inputs.get(i), answers.get(i));
                System.out.printf("learning w from %d examples, budget %d, optimizer %s...%n", k, budget, optimizer);
            }
            LoraHubSettings s = LoraHubSettings.defaults().withBudget(budget).withOptimizer(optimizer).withSeed(seed);
            LoraHubRun.Request req = new LoraHubRun.Request(modelDir, moduleDirs, fewShot, heldOut, s, out != null, out, 8);
            LoraHubRun.Report rep;
            try (ProgressBar bar = new ProgressBar("lorahub", budget, !talk)) {
                double[] best = {Double.POSITIVE_INFINITY};
                rep = LoraHubRun.run(be, req, e -> {
                    best[0] = Math.min(best[0], e.score());
                    bar.update(e.index() + 1, String.format("best score %.4f", best[0]));
                });
            }
            if (out != null) {
                double[] scores = rep.result().log().stream().mapToDouble(e -> e.score()).toArray();
                Plots.scoreCurve(out.resolve("score.png"), scores);
                Plots.weights(out.resolve("weights.png"), rep.moduleNames(), rep.result().weights());
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            if (talk) {
                System.out.printf("few-shot loss: base %.4f -> learned %.4f (%d evaluations with %s, %.2f s each)%n", rep.baseLoss(),
                        rep.learnedLoss(), rep.result().log().size(), rep.result().optimizer(),
                        rep.searchSeconds() / Math.max(1, rep.result().log().size()));
                System.out.println("weights (learned vs planted w*; w and -w give the same B'A'):");
                double[] w = rep.result().weights();
                for (int i = 0; i < w.length; i++) System.out.printf("  %-18s %+.3f   w* %+.2f%n", rep.moduleNames().get(i), w[i], planted[i]);
                System.out.printf("exact match on %d held-out inputs: base model %.1f%% -> learned composition %.1f%%%n", heldOut.size(),
                        rep.baseExactMatch(), rep.learnedExactMatch());
                for (int i = 0; i < Math.min(3, heldOut.size()); i++) {
                    System.out.printf("  \"%s\" -> learned \"%s\" (target \"%s\")%n", heldOut.get(i).input(), rep.learnedPredictions().get(i),
                            heldOut.get(i).output());
                }
                System.out.printf("done in %.1f s%s%n", secs, out == null ? "" : "; outputs in " + out);
            }
            j.put("base_exact_match", rep.baseExactMatch());
            j.put("learned_exact_match", rep.learnedExactMatch());
            j.put("weights", rep.weights());
            j.put("planted_weights", plantedMap);
            j.put("base_loss", rep.baseLoss());
            j.put("learned_loss", rep.learnedLoss());
            j.put("optimizer", rep.result().optimizer());
            j.put("evaluations", rep.result().log().size());
            j.put("few_shot_examples", fewShot.size());
            j.put("held_out_examples", heldOut.size());
            List<Map<String, String>> samples = new ArrayList<>();
            for (int i = 0; i < Math.min(3, heldOut.size()); i++) {
                samples.add(Map.of("input", heldOut.get(i).input(), "target", heldOut.get(i).output(), "learned", rep.learnedPredictions().get(i)));
            }
            j.put("samples", samples);
            j.put("seconds_per_evaluation", rep.searchSeconds() / Math.max(1, rep.result().log().size()));
            j.put("seconds", secs);
        }
        return j;
    }

    /** Copies the embedded files (listed in files.txt) into {@code dir}. */
    static void extract(Path dir) throws IOException {
        String list;
        try (InputStream in = DemoCommand.class.getResourceAsStream(RES + "files.txt")) {
            if (in == null) throw new IOException("the demo resources are missing from this build (io/lora4j/tools/demo/files.txt)");
            list = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        for (String f : list.split("\n")) {
            if (f.isBlank()) continue;
            Path p = dir.resolve(f.strip()).normalize();
            if (!p.startsWith(dir)) throw new IOException("bad demo resource name " + f);
            Files.createDirectories(p.getParent());
            try (InputStream in = DemoCommand.class.getResourceAsStream(RES + f.strip())) {
                if (in == null) throw new IOException("demo resource missing: " + f);
                Files.copy(in, p);
            }
        }
    }
}
