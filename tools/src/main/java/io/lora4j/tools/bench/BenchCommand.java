package io.lora4j.tools.bench;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code lora4j bench <what>}: benchmark commands. Each area adds its benchmark in its own block below. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks: prints throughput figures (see README, 'Performance').")
public final class BenchCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The benchmark subcommands, in the order --help lists them. */
    public static List<Object> benches() {
        List<Object> b = new ArrayList<>();
        // engine kernels: gemm
        b.add(new GemmBench());

        // T5: t5
        b.add(new T5Bench());

        // ViT: vit
        b.add(new VitBench());

        // LoRA / GLoRA merges: merge
        b.add(new GloraBench());
        b.add(new LoraHubBench());

        // tokenizer: tokenizer
        b.add(new TokenizerBench());

        return b;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
