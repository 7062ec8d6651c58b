package io.lora4j.tools.glora;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * A bare {@code lora4j demo} that only lists its demos; registered only while no area provides a
 * {@code demo} command of its own (the LoRAHub demo), so {@code lora4j demo glora} always works.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, description = "Self-contained demos (no downloads).")
public final class DemoContainer implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
