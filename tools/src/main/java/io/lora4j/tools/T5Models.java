package io.lora4j.tools;

import io.lora4j.adapters.lora.LoraMerge;
import io.lora4j.engine.Backend;
import io.lora4j.models.t5.T5ForConditionalGeneration;
import java.nio.file.Path;
import java.util.List;

/** Loading a T5 model for the CLI, with optional PEFT LoRA adapters applied unmerged. */
final class T5Models {
    private T5Models() {}

    static T5ForConditionalGeneration load(Backend be, Path dir, List<Path> adapters) {
        T5ForConditionalGeneration m = T5ForConditionalGeneration.load(dir);
        if (adapters == null || adapters.isEmpty()) return m;
        LoraMerge.Rewriter r = ModelOptions.unmerged(be, adapters);
        T5ForConditionalGeneration adapted = m.withLinears(r);
        r.checkAllApplied();
        return adapted;
    }
}
