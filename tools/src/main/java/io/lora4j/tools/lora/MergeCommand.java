package io.lora4j.tools.lora;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.lora4j.adapters.lora.CheckpointMerge;
import io.lora4j.adapters.lora.LoraAdapter;
import io.lora4j.engine.Backend;
import io.lora4j.engine.BadInputException;
import io.lora4j.tools.CommonOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code lora4j merge}: merges PEFT LoRA adapters into an HF checkpoint and writes a plain HF model directory. */
@Command(name = "merge", mixinStandardHelpOptions = true,
        description = {"Merge LoRA adapters into a base model: W = W0 + s·B·A per adapted layer.",
                "Writes a plain HF model directory (config and tokenizer files copied, model.safetensors) atomically.",
                "With --weights: --compose delta (default) adds Σ wᵢ·sᵢ·BᵢAᵢ; --compose lorahub adds s·(Σ wᵢBᵢ)(Σ wᵢAᵢ)."})
public final class MergeCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Base HF model directory.")
    Path model;

    @Option(names = "--adapter", required = true, paramLabel = "DIR", description = "PEFT LoRA adapter directory (repeatable).")
    List<Path> adapters;

    @Option(names = "--weights", split = ",", paramLabel = "W", description = "One weight per adapter (comma-separated).")
    List<Double> weights;

    @Option(names = "--compose", defaultValue = "delta", paramLabel = "MODE", description = "delta (default) or lorahub.")
    String compose;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory (must not exist or be empty).")
    Path out;

    @Override
    public Integer call() throws Exception {
        CheckpointMerge.Compose mode = CheckpointMerge.Compose.parse(compose);
        List<LoraAdapter> loaded = new ArrayList<>();
        for (Path p : adapters) loaded.add(LoraAdapter.load(p));
        double[] w = null;
        if (weights != null) {
            w = new double[weights.size()];
            for (int i = 0; i < w.length; i++) {
                w[i] = weights.get(i);
                if (!Double.isFinite(w[i])) throw new BadInputException("--weights: value " + weights.get(i) + " is not finite");
            }
        }
        long t0 = System.nanoTime();
        CheckpointMerge.Result r;
        try (Backend be = common.openBackend()) {
            r = CheckpointMerge.merge(be, model, loaded, w, mode, out);
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        if (common.json) {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("out", r.out().toString());
            j.put("adapters", adapters.stream().map(Path::toString).toList());
            j.put("compose", mode.name().toLowerCase(java.util.Locale.ROOT));
            j.put("weights", w);
            j.put("adapted_layers", r.adaptedLayers());
            j.put("tensors", r.tensors());
            j.put("bytes", r.bytes());
            j.put("seconds", secs);
            System.out.println(new ObjectMapper().writeValueAsString(j));
        } else if (!common.quiet) {
            System.out.printf("merged %d adapter(s) into %d layers; wrote %s (%d tensors, %.1f MB) in %.2f s%n",
                    loaded.size(), r.adaptedLayers(), r.out(), r.tensors(), r.bytes() / 1e6, secs);
        }
        return 0;
    }
}
