package io.lora4j.adapters.lora;

import io.lora4j.adapters.lorahub.LoraHubComposer;
import io.lora4j.engine.Backend;
import io.lora4j.engine.BadInputException;
import io.lora4j.engine.DType;
import io.lora4j.engine.Tensor;
import io.lora4j.engine.io.Checkpoints;
import io.lora4j.engine.io.TensorSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Merges LoRA adapters into an HF checkpoint by tensor name (W = W0 + update; no model is run) and writes
 * a plain HF model directory: the base directory's config and tokenizer files copied, one
 * {@code model.safetensors} with every tensor in its original dtype. Written atomically.
 */
public final class CheckpointMerge {
    private CheckpointMerge() {}

    /** How several adapters with weights are combined. */
    public enum Compose {
        /** LoRAHub: A' = Σ wᵢAᵢ, B' = Σ wᵢBᵢ, update s·B'A'. */
        LORAHUB,
        /** Σ wᵢ·sᵢ·BᵢAᵢ (weights 1: the usual merge of several adapters). */
        DELTA;

        public static Compose parse(String s) {
            return switch (s.toLowerCase(Locale.ROOT)) {
                case "lorahub" -> LORAHUB;
                case "delta" -> DELTA;
                default -> throw new BadInputException("--compose must be lorahub or delta, got '" + s + "'");
            };
        }
    }

    /** What a merge did. */
    public record Result(Path out, int adaptedLayers, int tensors, long bytes) {}

    /**
     * Merges {@code adapters} into the checkpoint in {@code modelDir} and writes {@code out}.
     *
     * @param weights one per adapter, or null for all 1 (then {@code compose} must be DELTA or there is one adapter)
     */
    public static Result merge(Backend backend, Path modelDir, List<LoraAdapter> adapters, double[] weights, Compose compose, Path out) {
        if (adapters.isEmpty()) throw new BadInputException("give at least one --adapter");
        if (weights != null && weights.length != adapters.size()) {
            throw new BadInputException("--weights has " + weights.length + " values but " + adapters.size() + " adapters were given");
        }
        if (!Files.isDirectory(modelDir)) throw new BadInputException(modelDir + ": not a model directory");
        TensorSource base = Checkpoints.open(modelDir);
        List<LoraMerge.Weighted> updates = new ArrayList<>();
        if (compose == Compose.LORAHUB) {
            double[] w = weights != null ? weights : ones(adapters.size());
            updates.add(new LoraMerge.Weighted(new LoraHubComposer(adapters).compose(w), 1.0));
        } else {
            for (int i = 0; i < adapters.size(); i++) updates.add(new LoraMerge.Weighted(adapters.get(i), weights == null ? 1.0 : weights[i]));
        }
        Map<String, Tensor> merged = LoraMerge.mergeTensors(backend, base, updates);
        Map<String, DType> dtypes = new LinkedHashMap<>();
        int adapted = 0;
        for (String name : base.names()) {
            Tensor orig = base.get(name);
            if (merged.get(name) != orig) {
                adapted++;
                if (orig.dtype() == DType.BF16 || orig.dtype() == DType.F16 || orig.dtype() == DType.F32) dtypes.put(name, orig.dtype());
            }
        }
        final int nAdapted = adapted;
        AdapterFiles.writeDirectory(out, tmp -> {
            copyNonWeightFiles(modelDir, tmp);
            AdapterFiles.writeSafetensors(tmp.resolve("model.safetensors"), merged, dtypes, Map.of("format", "pt"));
        });
        long bytes;
        try {
            bytes = Files.size(out.resolve("model.safetensors"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Result(out, nAdapted, merged.size(), bytes);
    }

    private static double[] ones(int n) {
        double[] w = new double[n];
        java.util.Arrays.fill(w, 1.0);
        return w;
    }

    /** True for files that hold weights (not copied: the merged model gets its own). */
    static boolean isWeightFile(String name) {
        return name.endsWith(".safetensors") || name.endsWith(".bin") || name.endsWith(".index.json") || name.endsWith(".pt")
                || name.endsWith(".pth") || name.endsWith(".h5") || name.endsWith(".msgpack") || name.endsWith(".ckpt");
    }

    /** Copies config, generation config, tokenizer and other small files of the model directory (top level only). */
    static void copyNonWeightFiles(Path modelDir, Path to) throws IOException {
        try (Stream<Path> s = Files.list(modelDir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String n = p.getFileName().toString();
                if (!Files.isRegularFile(p) || isWeightFile(n) || n.startsWith(".")) continue;
                Files.copy(p, to.resolve(n));
            }
        }
    }
}
