package io.lora4j.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lora4j.engine.Backend;
import io.lora4j.engine.BadInputException;
import io.lora4j.engine.Tensor;
import io.lora4j.engine.io.SafetensorsFile;
import io.lora4j.engine.io.SafetensorsWriter;
import io.lora4j.engine.io.TensorSource;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code lora4j forward --model DIR --input IN.safetensors --out OUT.safetensors}: one forward pass on tensors
 * from a file, outputs written under HF's names, so users can compare with PyTorch in any language. The model's
 * config.json {@code model_type} picks the handler.
 */
@Command(name = "forward", mixinStandardHelpOptions = true, description = {
        "Run a model once on input tensors from a safetensors file and write its outputs (F32) to another.",
        "  t5: reads input_ids [B,S], optional attention_mask [B,S], decoder_input_ids [B,T] (integer dtypes);",
        "      writes logits [B,T,V] and encoder_last_hidden_state [B,S,D].",
        "  vit: reads pixel_values [B,3,H,W] (float, preprocessed, at the model's image size);",
        "      writes logits [B,L] (with a head), last_hidden_state [B,T,D], pooler_output [B,D] (ViTModel).",
        "The output is written atomically; the input file is never modified."})
public final class ForwardCommand implements Callable<Integer> {

    /** Computes a model's outputs from named input tensors. */
    public interface Handler {
        /** {@code adapters}: PEFT LoRA directories to apply unmerged (empty for none). */
        Map<String, Tensor> forward(Backend backend, Path modelDir, List<Path> adapters, TensorSource inputs);
    }

    /** Handlers by config.json model_type. Each area adds its own line. */
    static Map<String, Handler> handlers() {
        Map<String, Handler> h = new LinkedHashMap<>();
        // T5
        h.put("t5", new T5ForwardHandler());
        h.put("mt5", new T5ForwardHandler());
        // ViT
        h.put("vit", new ViTForwardHandler());
        return h;
    }

    @Mixin
    ModelOptions model;

    @Option(names = "--input", required = true, paramLabel = "IN.safetensors", description = "Input tensors.")
    Path input;

    @Option(names = "--out", required = true, paramLabel = "OUT.safetensors", description = "Where to write the outputs.")
    Path out;

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        String type = modelType(model.dir);
        Handler h = handlers().get(type);
        if (h == null) throw new BadInputException(model.dir.resolve("config.json") + ": model_type '" + type + "' is not supported by forward (supported: " + String.join(", ", handlers().keySet()) + ")");
        if (Files.exists(out) && Files.isSameFile(out, input)) throw new BadInputException("--out " + out + " is the input file; refusing to overwrite it");
        Map<String, Tensor> result;
        try (Backend be = common.openBackend(); TensorSource in = SafetensorsFile.open(input)) {
            result = h.forward(be, model.dir, model.adapters, in);
        }
        SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt");
        result.forEach(w::add);
        w.write(out);
        PrintWriter pw = spec.commandLine().getOut();
        if (common.json) {
            var m = new ObjectMapper();
            var root = m.createObjectNode().put("out", out.toString());
            var ts = root.putObject("tensors");
            result.forEach((k, t) -> {
                var a = ts.putArray(k);
                for (int d : t.shape()) a.add(d);
            });
            pw.println(m.writeValueAsString(root));
        } else if (!common.quiet) {
            result.forEach((k, t) -> pw.println(k + " " + java.util.Arrays.toString(t.shape())));
            pw.println("wrote " + out);
        }
        pw.flush();
        return 0;
    }

    static String modelType(Path dir) {
        Path cfg = dir.resolve("config.json");
        if (!Files.isRegularFile(cfg)) throw new BadInputException(dir + ": no config.json (expected an HF model directory)");
        try {
            JsonNode n = new ObjectMapper().readTree(cfg.toFile());
            JsonNode t = n == null ? null : n.get("model_type");
            if (t == null || !t.isTextual()) throw new BadInputException(cfg + ": missing string field 'model_type'");
            return t.asText();
        } catch (IOException e) {
            throw new BadInputException(cfg + ": not valid JSON: " + e.getMessage());
        }
    }
}
