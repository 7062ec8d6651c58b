package io.lora4j.tools.lora;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.lora4j.engine.Backend;
import io.lora4j.engine.BadInputException;
import io.lora4j.models.t5.Seq2SeqExamples;
import io.lora4j.optim.Optimizers;
import io.lora4j.optim.lorahub.LoraHubLearner;
import io.lora4j.optim.lorahub.LoraHubRun;
import io.lora4j.optim.lorahub.LoraHubSettings;
import io.lora4j.optim.lorahub.LossNormalization;
import io.lora4j.optim.lorahub.ModulePool;
import io.lora4j.tools.CommonOptions;
import io.lora4j.tools.ProgressBar;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code lora4j lorahub}: learn LoRAHub composition weights from a few examples, without gradients. */
@Command(name = "lorahub", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"LoRAHub: compose LoRA modules for a new task from a few examples, gradient-free.",
                "Searches w (one weight per module) minimizing few-shot loss + 0.05·mean|w|, composing A' = Σ wᵢAᵢ, B' = Σ wᵢBᵢ.",
                "Writes weights.json, adapter/ (PEFT), log.jsonl, score.png, weights.png, summary.json and, with --merge, merged/ to --out."})
public final class LoraHubCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Base T5 model directory (config, weights, tokenizer).")
    Path model;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Modules modules;

    static final class Modules {
        @Option(names = "--lora", paramLabel = "DIR", split = ",", description = "LoRA module directories (repeatable or comma-separated).")
        List<Path> dirs;

        @Option(names = "--lora-dir", paramLabel = "DIR", description = "A folder of LoRA module directories (see --sample).")
        Path folder;
    }

    @Option(names = "--sample", paramLabel = "K", defaultValue = "20", description = "With --lora-dir: modules sampled with --seed (default ${DEFAULT-VALUE}; 0: all).")
    int sample;

    @Option(names = "--examples", required = true, paramLabel = "F.jsonl", description = "Few-shot examples: {\"input\",\"output\"} or {\"context\",\"completion\"} per line.")
    Path examples;

    @Option(names = "--eval", paramLabel = "F.jsonl", description = "Held-out examples: exact match of the base and the learned model.")
    Path eval;

    @Option(names = "--optimizer", defaultValue = "auto", paramLabel = "NAME", description = "cma | bobyqa | es | random | auto (default ${DEFAULT-VALUE}).")
    String optimizer;

    @Option(names = "--budget", defaultValue = "40", paramLabel = "N", description = "Score evaluations (default ${DEFAULT-VALUE}).")
    int budget;

    @Option(names = "--seed", defaultValue = "42", paramLabel = "S", description = "Seed for module sampling and the optimizer (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--bound", defaultValue = "1.5", paramLabel = "B", description = "Weights lie in [-B, B] (default ${DEFAULT-VALUE}).")
    double bound;

    @Option(names = "--start", defaultValue = "0", paramLabel = "W", description = "Start value of every weight (default ${DEFAULT-VALUE}).")
    double start;

    @Option(names = "--step", defaultValue = "0.5", paramLabel = "S", description = "Initial step size (default ${DEFAULT-VALUE}).")
    double step;

    @Option(names = "--regularization", defaultValue = "0.05", paramLabel = "C", description = "Coefficient of mean|w| (default ${DEFAULT-VALUE}).")
    double regularization;

    @Option(names = "--batch-size", paramLabel = "N", description = "Examples per loss batch (default: all in one).")
    Integer batchSize;

    @Option(names = "--loss", defaultValue = "reference", paramLabel = "MODE",
            description = "reference (sum of batch token-mean CE / #examples, as the reference code) or token-mean (default ${DEFAULT-VALUE}).")
    String loss;

    @Option(names = "--batch-candidates", defaultValue = "1", paramLabel = "N",
            description = "CMA-ES candidates scored together in one batched forward pass: 1 = one after the other (default), N = at most N, 0 = as many as fit the young generation.")
    int batchCandidates;

    @Option(names = "--no-batch", description = "Score candidates one after the other (same as --batch-candidates 1, the default).")
    boolean noBatch;

    @Option(names = "--max-new-tokens", defaultValue = "256", paramLabel = "N", description = "Greedy decoding limit for --eval (default ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--merge", description = "Also write the merged model (a plain HF checkpoint) to OUT/merged.")
    boolean merge;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory (created; files in it are replaced).")
    Path out;

    @Override
    public Integer call() throws Exception {
        if (!Optimizers.names().contains(optimizer.toLowerCase(Locale.ROOT))) {
            throw new BadInputException("--optimizer must be one of " + String.join(", ", Optimizers.names()) + ", got '" + optimizer + "'");
        }
        if (!(bound > 0)) throw new BadInputException("--bound must be positive, got " + bound);
        List<Path> dirs = modules.dirs != null ? modules.dirs : ModulePool.sample(modules.folder, sample, seed);
        List<Seq2SeqExamples.Example> ex = Seq2SeqExamples.read(examples, true);
        List<Seq2SeqExamples.Example> ev = eval == null ? List.of() : Seq2SeqExamples.read(eval, true);
        LoraHubSettings s = new LoraHubSettings(budget, -bound, bound, start, step, regularization, optimizer, seed,
                batchSize == null ? Integer.MAX_VALUE : batchSize, LossNormalization.parse(loss), noBatch ? 1 : batchCandidates);
        LoraHubRun.Request req = new LoraHubRun.Request(model, dirs, ex, ev, s, merge, out, maxNewTokens);
        LoraHubRun.Report rep;
        try (Backend be = common.openBackend(); ProgressBar bar = new ProgressBar("lorahub", budget, common.quiet)) {
            double[] best = {Double.POSITIVE_INFINITY};
            rep = LoraHubRun.run(be, req, e -> {
                best[0] = Math.min(best[0], e.score());
                bar.update(e.index() + 1, String.format("best score %.4f", best[0]));
            });
        }
        double[] scores = rep.result().log().stream().mapToDouble(LoraHubLearner.Evaluation::score).toArray();
        Plots.scoreCurve(out.resolve("score.png"), scores);
        Plots.weights(out.resolve("weights.png"), rep.moduleNames(), rep.result().weights());
        Map<String, Object> summary = LoraHubRun.summary(req, rep);
        if (common.json) {
            System.out.println(new ObjectMapper().writeValueAsString(summary));
        } else if (!common.quiet) {
            print(rep);
        }
        return 0;
    }

    static void print(LoraHubRun.Report rep) {
        System.out.printf("LoRAHub: %d modules, %d evaluations with %s in %.1f s (%.3f s per evaluation)%n", rep.moduleNames().size(),
                rep.result().log().size(), rep.result().optimizer(), rep.searchSeconds(), rep.searchSeconds() / Math.max(1, rep.result().log().size()));
        System.out.printf("few-shot loss: base %.4f -> learned %.4f (score %.4f, evaluation #%d)%n", rep.baseLoss(), rep.learnedLoss(),
                rep.result().best().score(), rep.result().best().index());
        if (!Double.isNaN(rep.baseExactMatch())) {
            System.out.printf("exact match on eval: base %.1f -> learned %.1f%n", rep.baseExactMatch(), rep.learnedExactMatch());
        }
        System.out.println("weights:");
        rep.weights().forEach((k, v) -> System.out.printf("  %+.4f  %s%n", v, k));
        if (rep.out() != null) System.out.println("wrote " + rep.out());
    }
}
