package io.lora4j.tools;

import io.lora4j.tools.bench.BenchCommand;
import java.util.ArrayList;
import java.util.List;

/**
 * Every subcommand of {@code lora4j}, in the order {@code --help} lists them. Each area adds its
 * commands in its own block (blank lines between blocks keep merges apart).
 */
final class Subcommands {
    private Subcommands() {}

    static List<Object> all() {
        List<Object> c = new ArrayList<>();
        // LoRA / LoRAHub: demo, lorahub, merge
        c.add(new io.lora4j.tools.lora.DemoCommand());
        c.add(new io.lora4j.tools.lora.LoraHubCommand());
        c.add(new io.lora4j.tools.lora.MergeCommand());

        // T5: generate, score, forward
        c.add(new GenerateCommand());
        c.add(new ScoreCommand());
        c.add(new ForwardCommand());

        // ViT: classify
        c.add(new ClassifyCommand());

        // GLoRA: glora
        c.add(new io.lora4j.tools.glora.GloraCommand());

        // IO and tokenizer: inspect, tokenize
        c.add(new InspectCommand());
        c.add(new TokenizeCommand());

        c.add(new BenchCommand());
        return c;
    }

    /** Subcommands of {@code lora4j demo} (when the demo command exists), one block per area. */
    static List<Object> demos() {
        List<Object> d = new ArrayList<>();
        // GLoRA: demo glora
        d.add(new io.lora4j.tools.glora.GloraDemoCommand.UnderDemo());
        return d;
    }
}
