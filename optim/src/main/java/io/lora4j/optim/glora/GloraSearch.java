package io.lora4j.optim.glora;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lora4j.engine.io.AtomicFile;
import io.lora4j.adapters.glora.GloraConfig;
import io.lora4j.adapters.glora.GloraVit;
import io.lora4j.engine.Backend;
import io.lora4j.optim.evolution.Evaluated;
import io.lora4j.optim.evolution.EvolutionOptions;
import io.lora4j.optim.evolution.EvolutionarySearch;
import io.lora4j.optim.evolution.GenerationStats;
import io.lora4j.optim.evolution.SearchListener;
import io.lora4j.optim.evolution.SearchResult;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The GLoRA structure search on a ViT with its outputs in one directory:
 * {@code best_config.json} (best configuration so far, rewritten every generation),
 * {@code search_log.jsonl} (one line per generation: best, mean, best so far, parameter counts),
 * {@code search_checkpoint.json} (for {@code resume}), {@code accuracy.png} and {@code result.json};
 * with {@code merge}, the reparameterized model in {@code merged/}.
 */
public final class GloraSearch {
    private static final ObjectMapper JSON = new ObjectMapper();

    private GloraSearch() {}

    /** What a search found. */
    public record Result(GloraConfig best, double bestAccuracy, long bestParams, double baseAccuracy, int evaluations,
                         List<GenerationStats> history, Path outDir, Path merged, double seconds) {}

    public static Result run(GloraVit glora, EmbeddedImages val, EvolutionOptions options, Backend backend, Path outDir,
                             boolean resume, boolean merge, SearchListener<GloraConfig> progress) {
        long t0 = System.nanoTime();
        GloraSearchSpace space = new GloraSearchSpace(glora.layers(), glora.supernet().rank());
        double base = val.accuracy(glora.base(), backend);
        SearchListener<GloraConfig> inner = progress == null ? new SearchListener<>() {} : progress;
        SearchListener<GloraConfig> listener = new SearchListener<>() {
            @Override
            public void generationStarted(int generation, int size) {
                inner.generationStarted(generation, size);
            }

            @Override
            public void candidateEvaluated(Evaluated<GloraConfig> e, int index, int size) {
                inner.candidateEvaluated(e, index, size);
            }

            @Override
            public void generationDone(GenerationStats stats, Evaluated<GloraConfig> bestSoFar, List<GenerationStats> history) {
                bestSoFar.candidate().write(outDir.resolve("best_config.json"));
                writeLog(outDir.resolve("search_log.jsonl"), history);
                AccuracyPlot.write(outDir.resolve("accuracy.png"), history, base, "GLoRA search: top-1 accuracy per generation");
                inner.generationDone(stats, bestSoFar, history);
            }
        };
        Path ckpt = outDir.resolve("search_checkpoint.json");
        SearchResult<GloraConfig> r = new EvolutionarySearch<>(space, new GloraFitness(glora, val, backend), options).run(ckpt, resume, listener);
        List<GenerationStats> history = r.history();
        r.best().candidate().write(outDir.resolve("best_config.json"));
        writeLog(outDir.resolve("search_log.jsonl"), history);
        AccuracyPlot.write(outDir.resolve("accuracy.png"), history, base, "GLoRA search: top-1 accuracy per generation");
        Path mergedDir = null;
        if (merge) {
            mergedDir = outDir.resolve("merged");
            glora.writeMerged(r.best().candidate(), mergedDir);
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        Result res = new Result(r.best().candidate(), r.best().fitness(), r.best().params(), base, r.evaluated().size(), history, outDir, mergedDir, secs);
        ObjectNode o = JSON.createObjectNode();
        o.put("best_accuracy", res.bestAccuracy());
        o.put("best_params", res.bestParams());
        o.put("base_accuracy", base);
        o.put("evaluations", res.evaluations());
        o.put("generations", history.size());
        o.put("val_images", val.size());
        o.put("seconds", secs);
        o.set("options", JSON.valueToTree(options));
        o.set("best_config", res.best().toJson());
        try {
            AtomicFile.write(outDir.resolve("result.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(o));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return res;
    }

    /** One JSON object per generation. */
    public static void writeLog(Path file, List<GenerationStats> history) {
        StringBuilder sb = new StringBuilder();
        for (GenerationStats s : history) {
            ObjectNode o = JSON.createObjectNode();
            o.put("generation", s.generation());
            o.put("size", s.size());
            o.put("best", s.best());
            o.put("mean", s.mean());
            o.put("best_so_far", s.bestSoFar());
            o.put("best_params", s.bestParams());
            o.put("mean_params", s.meanParams());
            o.put("min_params", s.minParams());
            o.put("max_params", s.maxParams());
            o.put("mutations", s.mutations());
            o.put("crossovers", s.crossovers());
            o.put("randoms", s.randoms());
            sb.append(o).append('\n');
        }
        AtomicFile.writeString(file, sb.toString());
    }
}
