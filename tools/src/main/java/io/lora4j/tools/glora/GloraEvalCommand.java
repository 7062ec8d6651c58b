package io.lora4j.tools.glora;

import io.lora4j.adapters.glora.GloraConfig;
import io.lora4j.adapters.glora.GloraVit;
import io.lora4j.engine.Backend;
import io.lora4j.models.image.ViTImageProcessor;
import io.lora4j.optim.glora.EmbeddedImages;
import io.lora4j.optim.glora.LabeledImages;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code lora4j glora eval}: top-1 accuracy of the base model and of a configuration on a labeled image set. */
@Command(name = "eval", mixinStandardHelpOptions = true, description = "Top-1 accuracy of the base model (with the supernet head) and, with --config, of the reparameterized configuration.")
public final class GloraEvalCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR") Path model;
    @Option(names = "--supernet", required = true, paramLabel = "FILE") Path supernet;
    @Option(names = "--config", paramLabel = "FILE") Path config;
    @Option(names = "--images", required = true, paramLabel = "LIST|DIR", description = "A \"path label\" list file or a folder per class.") Path images;
    @Option(names = "--batch-size", defaultValue = "32") int batchSize;

    @Mixin
    io.lora4j.tools.CommonOptions common;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        try (Backend be = common.openBackend()) {
            GloraVit g = GloraVit.load(model, supernet);
            EmbeddedImages set = EmbeddedImages.of(g.base(), ViTImageProcessor.forModel(model, g.base().config().imageSize()), LabeledImages.read(images), be, batchSize);
            double base = set.accuracy(g.base(), be);
            Double acc = null;
            if (config != null) {
                GloraConfig c = GloraConfig.read(config);
                g.supernet().validate(c, config.toString());
                acc = set.accuracy(g.merged(c), be);
            }
            if (common.json) {
                var o = Json.M.createObjectNode();
                o.put("images", set.size());
                o.put("base_accuracy", base);
                if (acc != null) o.put("accuracy", acc);
                spec.commandLine().getOut().println(Json.M.writeValueAsString(o));
            } else {
                spec.commandLine().getOut().printf(Locale.ROOT, "%d images: base model %.2f%%%s%n", set.size(), 100 * base,
                        acc == null ? "" : String.format(Locale.ROOT, ", configuration %.2f%%", 100 * acc));
            }
        }
        return 0;
    }
}
