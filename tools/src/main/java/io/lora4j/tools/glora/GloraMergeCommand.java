package io.lora4j.tools.glora;

import io.lora4j.adapters.glora.GloraConfig;
import io.lora4j.adapters.glora.GloraVit;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code lora4j glora merge}: the reparameterized model as a plain checkpoint. */
@Command(name = "merge", mixinStandardHelpOptions = true, description = {
        "Reparameterize (W = W0 + W0⊙A + B, b = b0 + b0⊙D + E + W0·C) every adapted layer with a configuration and write",
        "a plain checkpoint of the base architecture in the base naming (HF or timm): model.safetensors + config files."})
public final class GloraMergeCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "ViT checkpoint directory.")
    Path model;

    @Option(names = "--supernet", required = true, paramLabel = "FILE", description = "Supernet: .safetensors or torch.save.")
    Path supernet;

    @Option(names = "--config", required = true, paramLabel = "FILE", description = "Configuration JSON (e.g. best_config.json of a search).")
    Path config;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory.")
    Path out;

    @Mixin
    io.lora4j.tools.CommonOptions common;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        GloraVit g = GloraVit.load(model, supernet);
        GloraConfig c = GloraConfig.read(config);
        g.supernet().validate(c, config.toString());
        long t0 = System.nanoTime();
        g.writeMerged(c, out);
        double s = (System.nanoTime() - t0) / 1e9;
        if (common.json) {
            var o = Json.M.createObjectNode();
            o.put("out", out.toString());
            o.put("layers", g.layers().size());
            o.put("params", c.paramCount(g.supernet().shapes()));
            o.put("seconds", s);
            spec.commandLine().getOut().println(Json.M.writeValueAsString(o));
        } else {
            spec.commandLine().getOut().printf(java.util.Locale.ROOT, "merged %d layers (%,d GLoRA parameters) into %s in %.2f s%n",
                    g.layers().size(), c.paramCount(g.supernet().shapes()), out, s);
        }
        return 0;
    }
}
