package io.lora4j.adapters.glora;

import io.lora4j.engine.io.AtomicFile;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lora4j.engine.BadInputException;
import io.lora4j.engine.Tensor;
import io.lora4j.engine.io.Checkpoints;
import io.lora4j.engine.io.SafetensorsWriter;
import io.lora4j.engine.io.TensorSource;
import io.lora4j.models.vit.ViTConfig;
import io.lora4j.models.vit.ViTForImageClassification;
import io.lora4j.models.vit.ViTLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A ViT checkpoint (HF or timm naming) with a GLoRA supernet: the base model with the supernet's head
 * (if it carries one), the adapted layers (every Linear but the head, in forward order) and the
 * supernet tensors. Gives the GLoRA model of a configuration in training form ({@link #glora}) or
 * reparameterized ({@link #merged}), and writes the merged model as a plain checkpoint in the base
 * model's own naming ({@link #writeMerged}).
 *
 * <pre>{@code
 * GloraVit g = GloraVit.load(Path.of("vit-b16"), Path.of("supernet.pt"));
 * GloraConfig c = GloraConfig.read(Path.of("best_config.json"));
 * Tensor logits = g.merged(c).logits(backend, pixels);
 * g.writeMerged(c, Path.of("merged"));
 * }</pre>
 */
public final class GloraVit {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path modelDir;
    private final TensorSource weights;   // base weights with the supernet head in place of the base head
    private final ViTForImageClassification model;
    private final List<LayerShape> layers;
    private final GloraSupernet supernet;

    private GloraVit(Path modelDir, TensorSource weights, ViTForImageClassification model, List<LayerShape> layers, GloraSupernet supernet) {
        this.modelDir = modelDir;
        this.weights = weights;
        this.model = model;
        this.layers = List.copyOf(layers);
        this.supernet = supernet;
    }

    /** Loads a model directory and a supernet file (safetensors or a {@code torch.save} dict). */
    public static GloraVit load(Path modelDir, Path supernetFile) {
        TensorSource base = Checkpoints.open(modelDir);
        ViTConfig config = ViTLoader.config(modelDir, null, base);
        TensorSource sn = Checkpoints.openFile(supernetFile);
        return of(modelDir, base, config, sn);
    }

    /** From opened weights: {@code supernetSource} holds {@code <layer>.Ad} ... and optionally a new head. */
    public static GloraVit of(Path modelDir, TensorSource base, ViTConfig config, TensorSource supernetSource) {
        ViTForImageClassification plain = ViTForImageClassification.load(base, config);
        List<LayerShape> layers = adaptedLayers(plain);
        GloraSupernet sn = GloraSupernet.read(supernetSource, layers);
        return withSupernet(modelDir, base, config, layers, sn);
    }

    /** From opened weights and an in-memory supernet (e.g. {@link GloraSupernet#init} or a demo's). */
    public static GloraVit of(Path modelDir, TensorSource base, ViTConfig config, GloraSupernet sn) {
        return withSupernet(modelDir, base, config, adaptedLayers(ViTForImageClassification.load(base, config)), sn);
    }

    private static GloraVit withSupernet(Path modelDir, TensorSource base, ViTConfig config, List<LayerShape> layers, GloraSupernet sn) {
        if (!sn.shapes().keySet().equals(new java.util.LinkedHashSet<>(layers.stream().map(LayerShape::name).toList()))) {
            throw new BadInputException("the supernet's layers " + sn.shapes().keySet() + " are not the model's adapted layers");
        }
        Map<String, Tensor> t = new LinkedHashMap<>();
        for (String n : base.names()) t.put(n, base.get(n));
        String headName = config.naming() == ViTConfig.Naming.TIMM ? "head" : "classifier";
        ViTConfig cfg = config;
        for (var e : sn.extra().entrySet()) {
            if (!base.contains(e.getKey())) {
                throw new BadInputException("supernet tensor '" + e.getKey() + "' is neither a GLoRA tensor nor a tensor of the model "
                        + base.origin() + " (is the supernet named for the other layout, HF vs timm?)");
            }
            t.put(e.getKey(), e.getValue());
            if (e.getKey().equals(headName + ".weight") && e.getValue().rank() == 2 && e.getValue().dim(0) != config.numLabels()) {
                List<String> labels = new ArrayList<>();
                for (int i = 0; i < e.getValue().dim(0); i++) labels.add("LABEL_" + i);
                cfg = config.withLabels(labels);
            }
        }
        TensorSource overlay = Checkpoints.of(base.origin() + " + GLoRA supernet head", t);
        ViTForImageClassification model = ViTForImageClassification.load(overlay, cfg);
        return new GloraVit(modelDir, overlay, model, layers, sn);
    }

    /** The adapted layers of a model: every Linear except the head, in forward order. */
    public static List<LayerShape> adaptedLayers(ViTForImageClassification m) {
        List<LayerShape> out = new ArrayList<>();
        m.withLinears((name, lin) -> {
            if (GloraSupernet.isAdapted(name)) out.add(new LayerShape(name, lin.outFeatures(), lin.inFeatures()));
            return lin;
        });
        return out;
    }

    /** The base model (with the supernet's head, if any). */
    public ViTForImageClassification base() {
        return model;
    }

    public List<LayerShape> layers() {
        return layers;
    }

    public GloraSupernet supernet() {
        return supernet;
    }

    /** The GLoRA model of {@code config} in training form (GloraLinear layers). */
    public ViTForImageClassification glora(GloraConfig config) {
        return model.withLinears(supernet.rewriter(config));
    }

    /** The reparameterized model of {@code config}: plain layers, same cost as the base model. */
    public ViTForImageClassification merged(GloraConfig config) {
        return model.withLinears(supernet.merged(config));
    }

    /** The merged model's tensors in the base checkpoint's naming. */
    public Map<String, Tensor> mergedTensors(GloraConfig config) {
        return GloraMerge.mergedTensors(weights, supernet.withExtra(Map.of()), config);
    }

    /**
     * Writes the merged model to {@code outDir} as a plain checkpoint of the base architecture:
     * {@code model.safetensors} in the base naming, the base {@code config.json} (labels resized to the
     * supernet head when it differs), {@code vit_arch.json} and {@code preprocessor_config.json} if present.
     */
    public void writeMerged(GloraConfig config, Path outDir) {
        Map<String, Tensor> t = mergedTensors(config);
        try {
            Files.createDirectories(outDir);
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("format", "pt");
            meta.put("lora4j", "GLoRA reparameterized model");
            SafetensorsWriter.write(outDir.resolve("model.safetensors"), t, meta);
            Path dir = Files.isDirectory(modelDir) ? modelDir : modelDir.toAbsolutePath().getParent();
            for (String name : new String[] {"config.json", "vit_arch.json", "preprocessor_config.json"}) {
                Path src = dir.resolve(name);
                if (!Files.isRegularFile(src)) continue;
                byte[] bytes = Files.readAllBytes(src);
                if (!name.equals("preprocessor_config.json")) bytes = relabel(bytes, src);
                AtomicFile.write(outDir.resolve(name), bytes);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(outDir + ": " + e.getMessage(), e);
        }
    }

    /** A config.json with its labels resized to the merged head's size (HF id2label/label2id/num_labels; timm num_classes). */
    private byte[] relabel(byte[] bytes, Path src) throws IOException {
        int n = model.config().numLabels();
        JsonNode root = JSON.readTree(bytes);
        if (!(root instanceof ObjectNode o)) return bytes;
        boolean hf = o.has("model_type");
        int had = hf ? (o.has("id2label") ? o.get("id2label").size() : o.path("num_labels").asInt(-1)) : o.path("num_classes").asInt(-1);
        if (had == n || had == -1 && !hf) return bytes;
        if (hf) {
            ObjectNode id2 = o.putObject("id2label"), l2i = o.putObject("label2id");
            for (int i = 0; i < n; i++) {
                id2.put(String.valueOf(i), model.labels().get(i));
                l2i.put(model.labels().get(i), i);
            }
            if (o.has("num_labels")) o.put("num_labels", n);
        } else {
            o.put("num_classes", n);
            if (o.has("label_names")) o.remove("label_names");
            if (o.path("pretrained_cfg").has("num_classes")) ((ObjectNode) o.get("pretrained_cfg")).put("num_classes", n);
        }
        return JSON.writeValueAsBytes(o);
    }
}
