package io.lora4j.tools;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lora4j.engine.Backend;
import io.lora4j.engine.BadInputException;
import io.lora4j.engine.Tensor;
import io.lora4j.models.image.ViTImageProcessor;
import io.lora4j.models.nn.ForwardContext;
import io.lora4j.models.vit.ViTForImageClassification;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lora4j classify --model DIR IMAGE...}: top-k labels of images with a ViT (HF or timm checkpoint). */
@Command(name = "classify", mixinStandardHelpOptions = true,
        description = {"Classify images with a ViT: HF ViTForImageClassification directory (config.json, model.safetensors, "
                + "preprocessor_config.json) or a timm checkpoint (with vit_arch.json or --arch).",
                "Prints the top labels (id2label) and their softmax probabilities for each image."})
public final class ClassifyCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Model directory (or weight file).")
    Path model;

    @Option(names = "--arch", paramLabel = "FILE", description = "Architecture JSON for a timm checkpoint (default: config.json or vit_arch.json in the model directory).")
    Path arch;

    @Option(names = "--top", paramLabel = "K", defaultValue = "5", description = "Labels per image (default: ${DEFAULT-VALUE}).")
    int top;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "16", description = "Images per forward pass (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--interpolate-pos-encoding", description = "Accept images whose preprocessed size differs from the model's (HF's bicubic position-embedding interpolation).")
    boolean interpolate;

    @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "PNG/JPEG/BMP/GIF files.")
    List<Path> images;

    @Override
    public Integer call() {
        if (top < 1) throw new BadInputException("--top must be at least 1, got " + top);
        if (batchSize < 1) throw new BadInputException("--batch-size must be at least 1, got " + batchSize);
        ViTForImageClassification m = ViTForImageClassification.load(model, arch);
        if (!m.hasHead()) throw new BadInputException(model + ": the checkpoint has no classification head (a ViTModel?)");
        ViTImageProcessor proc = ViTImageProcessor.forModel(model, m.config().imageSize());
        int k = Math.min(top, m.config().numLabels());
        List<String> labels = m.labels();
        PrintWriter out = spec.commandLine().getOut();
        ObjectMapper json = new ObjectMapper();
        ArrayNode results = json.createArrayNode();
        try (Backend backend = common.openBackend()) {
            for (int start = 0; start < images.size(); start += batchSize) {
                List<Path> batch = images.subList(start, Math.min(images.size(), start + batchSize));
                Tensor px = proc.preprocessFiles(batch);
                Tensor probs = backend.softmax(m.logits(backend, px, interpolate, ForwardContext.NONE), null);
                Backend.TopK tk = backend.topk(probs, k);
                for (int i = 0; i < batch.size(); i++) {
                    ObjectNode r = results.addObject();
                    r.put("image", batch.get(i).toString());
                    ArrayNode t = r.putArray("top");
                    if (!common.json) out.println(batch.get(i));
                    for (int j = 0; j < k; j++) {
                        int id = tk.indices()[i * k + j];
                        float p = tk.values()[i * k + j];
                        t.addObject().put("id", id).put("label", labels.get(id)).put("probability", p);
                        if (!common.json) out.printf(Locale.ROOT, "  %.4f  %s%n", p, labels.get(id));
                    }
                }
            }
        }
        if (common.json) {
            try {
                out.println(json.writerWithDefaultPrettyPrinter().writeValueAsString(results));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
        out.flush();
        return Lora4jCli.EXIT_OK;
    }
}
