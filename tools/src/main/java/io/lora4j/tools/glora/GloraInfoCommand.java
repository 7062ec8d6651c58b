package io.lora4j.tools.glora;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lora4j.adapters.glora.GloraConfig;
import io.lora4j.adapters.glora.GloraLayerConfig;
import io.lora4j.adapters.glora.GloraVit;
import io.lora4j.adapters.glora.LayerShape;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code lora4j glora info}: adapted layers, per-layer parameter counts and the size of the configuration space. */
@Command(name = "info", mixinStandardHelpOptions = true, description = {
        "Adapted layers (every Linear but the head), supernet rank, configuration space size and, with --config,",
        "the per-layer modes and parameter counts of a configuration."})
public final class GloraInfoCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "ViT checkpoint directory.")
    Path model;

    @Option(names = "--supernet", required = true, paramLabel = "FILE", description = "Supernet: .safetensors or torch.save.")
    Path supernet;

    @Option(names = "--config", paramLabel = "FILE", description = "Configuration JSON.")
    Path config;

    @Mixin
    io.lora4j.tools.CommonOptions common;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        GloraVit g = GloraVit.load(model, supernet);
        GloraConfig c = config == null ? null : GloraConfig.read(config);
        if (c != null) g.supernet().validate(c, config.toString());
        GloraLayerConfig max = GloraLayerConfig.of("LoRA_" + g.supernet().rank(), "LoRA_" + g.supernet().rank(), "LoRA_" + g.supernet().rank(), "vector", "vector");
        long total = 0, maxTotal = 0;
        ObjectNode root = Json.M.createObjectNode();
        root.put("model", model.toString());
        root.put("naming", g.base().config().naming().name());
        root.put("supernet_rank", g.supernet().rank());
        root.put("adapted_layers", g.layers().size());
        root.put("configurations_per_layer", 432);
        root.put("configuration_space_size", g.supernet().configurationSpaceSize().toString());
        ArrayNode layers = root.putArray("layers");
        if (!common.json) {
            out.printf("%d adapted layers, supernet rank %d, %s configurations (432 per layer)%n", g.layers().size(), g.supernet().rank(),
                    sci(g.supernet().configurationSpaceSize()));
            out.printf("%-56s %6s %6s %10s%s%n", "layer", "out", "in", "max", c == null ? "" : "  config                                     params");
        }
        for (LayerShape s : g.layers()) {
            long m = max.paramCount(s.out(), s.in());
            maxTotal += m;
            ObjectNode l = layers.addObject();
            l.put("name", s.name()).put("out", s.out()).put("in", s.in()).put("max_params", m);
            String cs = "";
            if (c != null) {
                GloraLayerConfig lc = c.get(s.name());
                long p = lc.paramCount(s.out(), s.in());
                total += p;
                l.put("params", p);
                ObjectNode modes = l.putObject("config");
                for (var path : io.lora4j.adapters.glora.GloraPath.values()) modes.put(path.name(), lc.mode(path).toString());
                cs = String.format("  A=%-8s B=%-8s C=%-8s D=%-8s E=%-8s %,10d", lc.a(), lc.b(), lc.c(), lc.d(), lc.e(), p);
            }
            if (!common.json) out.printf("%-56s %6d %6d %,10d%s%n", s.name(), s.out(), s.in(), m, cs);
        }
        root.put("max_params", maxTotal);
        if (c != null) root.put("params", total);
        if (common.json) out.println(Json.M.writeValueAsString(root));
        else {
            out.printf("largest configuration (LoRA_%d on A, B, C; vector D, E): %,d parameters%n", g.supernet().rank(), maxTotal);
            if (c != null) out.printf("this configuration: %,d parameters%n", total);
        }
        return 0;
    }

    private static String sci(java.math.BigInteger b) {
        String s = b.toString();
        return s.length() <= 12 ? s : s.charAt(0) + "." + s.substring(1, 4) + "e" + (s.length() - 1);
    }
}
