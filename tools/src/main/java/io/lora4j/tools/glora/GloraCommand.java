package io.lora4j.tools.glora;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code lora4j glora <search|merge|info|eval|demo>}: GLoRA structure search and reparameterization on ViT checkpoints. */
@Command(name = "glora", mixinStandardHelpOptions = true,
        description = {"GLoRA (generalized LoRA) on ViT checkpoints: evolutionary structure search over a trained supernet,",
                "reparameterization into a plain checkpoint, parameter counts. See docs/glora.md."},
        subcommands = {GloraSearchCommand.class, GloraMergeCommand.class, GloraInfoCommand.class, GloraEvalCommand.class, GloraDemoCommand.class})
public final class GloraCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
