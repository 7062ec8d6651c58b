package io.lora4j.tools.glora;

import io.lora4j.adapters.glora.GloraConfig;
import io.lora4j.engine.Backend;
import io.lora4j.optim.evolution.Evaluated;
import io.lora4j.optim.evolution.SearchListener;
import io.lora4j.optim.glora.GloraDemo;
import io.lora4j.tools.ProgressBar;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code lora4j demo glora} (also {@code lora4j glora demo}): the planted-configuration search demo. */
@Command(name = "demo", aliases = {}, mixinStandardHelpOptions = true, description = {
        "Self-contained GLoRA demo (no downloads): a small seeded ViT and supernet, a hidden planted configuration whose",
        "predictions label generated images; the evolutionary search finds a configuration that agrees with them.",
        "Reports agreement on held-out images for the base model and the found configuration."})
public final class GloraDemoCommand implements Callable<Integer> {
    @Option(names = "--seed", defaultValue = "0") long seed;
    @Option(names = "--population", defaultValue = "20") int population;
    @Option(names = "--generations", defaultValue = "10") int generations;
    @Option(names = "--images", defaultValue = "100", description = "Search images (and as many held-out images).") int images;

    @Mixin
    io.lora4j.tools.CommonOptions common;

    @Spec
    CommandSpec spec;

    /** The same command registered as {@code lora4j demo glora}. */
    @Command(name = "glora", mixinStandardHelpOptions = true, description = "GLoRA demo: see 'lora4j glora demo --help'.")
    public static final class UnderDemo implements Callable<Integer> {
        @Option(names = "--seed", defaultValue = "0") long seed;
        @Option(names = "--population", defaultValue = "20") int population;
        @Option(names = "--generations", defaultValue = "10") int generations;
        @Option(names = "--images", defaultValue = "100") int images;

        @Mixin
        io.lora4j.tools.CommonOptions common;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            GloraDemoCommand c = new GloraDemoCommand();
            c.seed = seed;
            c.population = population;
            c.generations = generations;
            c.images = images;
            c.common = common;
            c.spec = spec;
            return c.call();
        }
    }

    @Override
    public Integer call() throws Exception {
        if (images < 1 || population < 2 || generations < 1) throw new io.lora4j.engine.BadInputException("--images ≥ 1, --population ≥ 2, --generations ≥ 1");
        GloraDemo.Options o = new GloraDemo.Options(seed, images, images, 5, population, generations);
        GloraDemo.Report r;
        try (Backend be = common.openBackend(); ProgressBar bar = new ProgressBar("glora demo", (long) population * generations, common.quiet)) {
            long[] n = {0};
            r = GloraDemo.run(o, be, new SearchListener<>() {
                @Override
                public void candidateEvaluated(Evaluated<GloraConfig> e, int index, int size) {
                    bar.update(++n[0], "");
                }
            });
        }
        var out = spec.commandLine().getOut();
        if (common.json) {
            var j = Json.M.createObjectNode();
            j.put("base_accuracy", r.baseAccuracy());
            j.put("found_accuracy", r.foundAccuracy());
            j.put("found_search_accuracy", r.foundSearchAccuracy());
            j.put("planted_accuracy", r.plantedAccuracy());
            j.put("found_params", r.foundParams());
            j.put("planted_params", r.plantedParams());
            j.put("evaluations", r.evaluations());
            j.put("seconds", r.seconds());
            j.set("found_config", r.found().toJson());
            j.set("planted_config", r.planted().toJson());
            out.println(Json.M.writeValueAsString(j));
        } else {
            out.printf(Locale.ROOT, "GLoRA demo (seed %d): agreement with the planted configuration's labels on %d held-out images%n", seed, images);
            out.printf(Locale.ROOT, "  base model           %6.1f%%%n", 100 * r.baseAccuracy());
            out.printf(Locale.ROOT, "  found configuration  %6.1f%%  (%,d parameters; %d candidates searched in %.1f s)%n",
                    100 * r.foundAccuracy(), r.foundParams(), r.evaluations(), r.seconds());
            out.printf(Locale.ROOT, "  planted (hidden)     %6.1f%%  (%,d parameters)%n", 100 * r.plantedAccuracy(), r.plantedParams());
        }
        return 0;
    }
}
