package io.lora4j.tools.glora;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lora4j.adapters.glora.GloraConfig;
import io.lora4j.adapters.glora.GloraVit;
import io.lora4j.engine.Backend;
import io.lora4j.models.image.ViTImageProcessor;
import io.lora4j.optim.evolution.Evaluated;
import io.lora4j.optim.evolution.EvolutionOptions;
import io.lora4j.optim.evolution.GenerationStats;
import io.lora4j.optim.evolution.SearchListener;
import io.lora4j.optim.glora.EmbeddedImages;
import io.lora4j.optim.glora.GloraSearch;
import io.lora4j.optim.glora.LabeledImages;
import io.lora4j.tools.CommonOptions;
import io.lora4j.tools.ProgressBar;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code lora4j glora search}: evolutionary search for the best GLoRA configuration of a supernet. */
@Command(name = "search", mixinStandardHelpOptions = true, description = {
        "Evolutionary search (METHODS.md §2 defaults) for the GLoRA configuration with the best top-1 accuracy on --val.",
        "Writes to --out: best_config.json, search_log.jsonl, accuracy.png, search_checkpoint.json, result.json",
        "(and merged/ with --merge). --resume continues from the checkpoint to the same result as an uninterrupted run."})
public final class GloraSearchCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "ViT checkpoint directory (HF or timm naming).")
    Path model;

    @Option(names = "--supernet", required = true, paramLabel = "FILE", description = "Trained supernet: .safetensors or torch.save (.pt/.pth/.bin).")
    Path supernet;

    @Option(names = "--val", required = true, paramLabel = "LIST|DIR", description = "Images the fitness is measured on: a \"path label\" list file (VTAB val200.txt) or a folder per class.")
    Path val;

    @Option(names = "--train", paramLabel = "LIST|DIR", description = "Optional: also report the base and best accuracy on these images.")
    Path train;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory.")
    Path out;

    @Option(names = "--param-limit", defaultValue = "1.0", paramLabel = "M", description = "Largest legal parameter count, in millions (default ${DEFAULT-VALUE}).")
    double paramLimit;

    @Option(names = "--param-min", defaultValue = "0", paramLabel = "M", description = "Smallest legal parameter count, in millions (default ${DEFAULT-VALUE}).")
    double paramMin;

    @Option(names = "--generations", defaultValue = "20", description = "Generations (default ${DEFAULT-VALUE}).")
    int generations;

    @Option(names = "--population", defaultValue = "50", description = "Population per generation (default ${DEFAULT-VALUE}).")
    int population;

    @Option(names = "--top-k", defaultValue = "10", description = "Parents: the top K evaluated so far (default ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--mutations", defaultValue = "25", description = "Children by mutation per generation (default ${DEFAULT-VALUE}).")
    int mutations;

    @Option(names = "--mutation-prob", defaultValue = "0.2", description = "Probability to resample each path of each layer (default ${DEFAULT-VALUE}).")
    double mutationProb;

    @Option(names = "--crossovers", defaultValue = "25", description = "Children by crossover per generation (default ${DEFAULT-VALUE}).")
    int crossovers;

    @Option(names = "--max-attempts", defaultValue = "250", description = "Attempts per operator per generation (default ${DEFAULT-VALUE}).")
    int maxAttempts;

    @Option(names = "--seed", defaultValue = "0", description = "Random seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--batch-size", defaultValue = "32", description = "Images per forward batch (default ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--resume", description = "Continue from --out/search_checkpoint.json (same options required).")
    boolean resume;

    @Option(names = "--merge", description = "Also write the reparameterized best model to --out/merged.")
    boolean merge;

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter pw = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (batchSize < 1) throw new io.lora4j.engine.BadInputException("--batch-size must be ≥ 1");
        EvolutionOptions opts = new EvolutionOptions(population, generations, topK, mutations, mutationProb, crossovers, maxAttempts,
                Math.round(paramLimit * 1e6), Math.round(paramMin * 1e6), seed);
        try (Backend be = common.openBackend()) {
            GloraVit g = GloraVit.load(model, supernet);
            ViTImageProcessor proc = ViTImageProcessor.forModel(model, g.base().config().imageSize());
            LabeledImages valSet = LabeledImages.read(val);
            if (!common.quiet) err.printf(Locale.ROOT, "glora: %d adapted layers, supernet rank %d, %d validation images%n",
                    g.layers().size(), g.supernet().rank(), valSet.size());
            EmbeddedImages valImages = EmbeddedImages.of(g.base(), proc, valSet, be, batchSize);
            long t0 = System.nanoTime();
            GloraSearch.Result r;
            try (ProgressBar bar = new ProgressBar("search", (long) generations * population, common.quiet)) {
                long[] done = {0};
                SearchListener<GloraConfig> progress = new SearchListener<>() {
                    double best = Double.NaN;
                    int gen;

                    @Override
                    public void generationStarted(int generation, int size) {
                        gen = generation;
                        done[0] = (long) generation * population; // also right after a resume
                    }

                    @Override
                    public void candidateEvaluated(Evaluated<GloraConfig> e, int index, int size) {
                        done[0]++;
                        if (Double.isNaN(best) || e.fitness() > best) best = e.fitness();
                        bar.update(done[0], String.format(Locale.ROOT, "gen %d  best %.2f%%", gen, 100 * best));
                    }

                    @Override
                    public void generationDone(GenerationStats s, Evaluated<GloraConfig> b, List<GenerationStats> history) {
                        done[0] = (long) (s.generation() + 1) * population;
                        best = s.bestSoFar();
                    }
                };
                r = GloraSearch.run(g, valImages, opts, be, out, resume, merge, progress);
            }
            double trainBase = Double.NaN, trainBest = Double.NaN;
            if (train != null) {
                EmbeddedImages tr = EmbeddedImages.of(g.base(), proc, LabeledImages.read(train), be, batchSize);
                trainBase = tr.accuracy(g.base(), be);
                trainBest = tr.accuracy(g.merged(r.best()), be);
            }
            if (common.json) {
                ObjectNode o = Json.M.createObjectNode();
                o.put("best_accuracy", r.bestAccuracy());
                o.put("best_params", r.bestParams());
                o.put("base_accuracy", r.baseAccuracy());
                if (train != null) {
                    o.put("train_base_accuracy", trainBase);
                    o.put("train_best_accuracy", trainBest);
                }
                o.put("evaluations", r.evaluations());
                o.put("seconds", (System.nanoTime() - t0) / 1e9);
                o.put("out", r.outDir().toString());
                if (r.merged() != null) o.put("merged", r.merged().toString());
                o.set("best_config", r.best().toJson());
                pw.println(Json.M.writeValueAsString(o));
            } else {
                pw.printf(Locale.ROOT, "best accuracy %.2f%% (base model %.2f%%) with %,d parameters, %d candidates evaluated%n",
                        100 * r.bestAccuracy(), 100 * r.baseAccuracy(), r.bestParams(), r.evaluations());
                if (train != null) pw.printf(Locale.ROOT, "train: base %.2f%%, best %.2f%%%n", 100 * trainBase, 100 * trainBest);
                pw.println("wrote " + r.outDir().resolve("best_config.json") + ", search_log.jsonl, accuracy.png, result.json"
                        + (r.merged() != null ? ", merged/" : ""));
            }
        }
        return 0;
    }
}
