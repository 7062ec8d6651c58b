package io.lora4j.tools;

import io.lora4j.adapters.lora.LoraAdapter;
import io.lora4j.adapters.lora.LoraMerge;
import io.lora4j.engine.Backend;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** {@code --model DIR [--adapter DIR]...}: the options of every command that runs a model ({@code @Mixin ModelOptions model;}). */
public final class ModelOptions {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "HF model directory (config.json, weights).")
    public Path dir;

    @Option(names = "--adapter", paramLabel = "DIR", description = "PEFT LoRA adapter directory (repeatable; applied unmerged).")
    public List<Path> adapters = new ArrayList<>();

    /**
     * The PEFT adapters in {@code dirs} as one rewriter that applies them unmerged. After
     * {@code model.withLinears(r)}, call {@code r.checkAllApplied()}: every adapter tensor must have found its layer.
     */
    static LoraMerge.Rewriter unmerged(Backend be, List<Path> dirs) {
        List<LoraAdapter> list = new ArrayList<>();
        for (Path a : dirs) list.add(LoraAdapter.load(a));
        return LoraMerge.rewriter(be, list, false);
    }
}
