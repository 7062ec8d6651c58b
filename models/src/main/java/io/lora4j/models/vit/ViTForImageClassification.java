package io.lora4j.models.vit;

import io.lora4j.engine.Backend;
import io.lora4j.engine.BadInputException;
import io.lora4j.engine.Tensor;
import io.lora4j.engine.io.Checkpoints;
import io.lora4j.engine.io.TensorSource;
import io.lora4j.models.nn.ForwardContext;
import io.lora4j.models.nn.Linear;
import io.lora4j.models.nn.LinearRewriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A ViT with its classification head: HF {@code ViTForImageClassification} (class token → classifier)
 * or timm's VisionTransformer (class token, or mean of the patch tokens → fc_norm → head). Both layouts
 * load into this one class; see {@link ViTLoader} for how a directory is read.
 *
 * <pre>{@code
 * ViTForImageClassification m = ViTForImageClassification.load(Path.of("vit-dir"));
 * Tensor logits = m.logits(backend, pixelValues);          // [B, num_labels]
 * }</pre>
 */
public final class ViTForImageClassification {
    private final ViTModel vit;
    private final Tensor[] fcNorm;   // timm mean pooling, or null
    private final Linear classifier; // null: checkpoint without a head (e.g. an HF ViTModel)
    private final String classifierName;

    ViTForImageClassification(ViTModel vit, Tensor[] fcNorm, Linear classifier, String classifierName) {
        this.vit = vit;
        this.fcNorm = fcNorm;
        this.classifier = classifier;
        this.classifierName = classifierName;
    }

    /** Loads a model directory (or weight file): HF config.json, or a timm checkpoint with vit_arch.json / timm config.json. */
    public static ViTForImageClassification load(Path dir) {
        return load(dir, null);
    }

    /** Loads weights from {@code dir} with the architecture description {@code archFile} (null: found in the directory). */
    public static ViTForImageClassification load(Path dir, Path archFile) {
        TensorSource src = Checkpoints.open(dir);
        return load(src, ViTLoader.config(dir, archFile, src));
    }

    /** Builds from already opened weights and a configuration (names checked with shapes; every problem listed). */
    public static ViTForImageClassification load(TensorSource weights, ViTConfig config) {
        return ViTLoader.build(weights, config);
    }

    public ViTModel vit() {
        return vit;
    }

    public ViTConfig config() {
        return vit.config();
    }

    public boolean hasHead() {
        return classifier != null;
    }

    /** id2label in id order. */
    public List<String> labels() {
        return vit.config().labels();
    }

    /** A model whose Linears (encoder, pooler, head) are {@code rewriter}'s replacements; every other weight is shared. */
    public ViTForImageClassification withLinears(LinearRewriter rewriter) {
        return new ViTForImageClassification(vit.withLinears(rewriter), fcNorm,
                classifier == null ? null : rewriter.rewrite(classifierName, classifier), classifierName);
    }

    /** Names of every Linear in forward order: per layer q, k, v (or qkv), attention output, fc1, fc2; then the head. */
    public List<String> linearNames() {
        List<String> out = new ArrayList<>(vit.linearNames());
        if (classifier != null) out.add(classifierName);
        return out;
    }

    /** Patch + position embeddings, computed once per image batch ({@link ViTModel#embeddings}). */
    public Tensor embeddings(Backend backend, Tensor pixelValues) {
        return vit.embeddings(backend, pixelValues);
    }

    /** Logits [B, num_labels] of pixel values [B, C, H, W] at the model's image size. */
    public Tensor logits(Backend backend, Tensor pixelValues) {
        return logits(backend, pixelValues, false, ForwardContext.NONE);
    }

    public Tensor logits(Backend backend, Tensor pixelValues, boolean interpolatePosEncoding, ForwardContext ctx) {
        requireHead();
        return classifyFromEmbeddings(backend, vit.embeddings(backend, pixelValues, interpolatePosEncoding), ctx);
    }

    /** Encoder + pooling + head from precomputed embeddings [B, T, D] → logits [B, num_labels]. */
    public Tensor classifyFromEmbeddings(Backend backend, Tensor embeddingOutput, ForwardContext ctx) {
        requireHead();
        return classifyLastHiddenState(backend, vit.encodeFromEmbeddings(backend, embeddingOutput, ctx), ctx);
    }

    /** Pooling + head on the encoder output [B, T, D] (after the final norm) → logits [B, num_labels]. */
    public Tensor classifyLastHiddenState(Backend backend, Tensor lastHiddenState, ForwardContext ctx) {
        requireHead();
        return classifier.forward(backend, pooled(backend, lastHiddenState), ctx);
    }

    /** The classifier's input [B, D] from the last hidden state [B, T, D]. */
    public Tensor pooled(Backend backend, Tensor lastHiddenState) {
        if (vit.config().pooling() == ViTConfig.Pooling.CLS) return lastHiddenState.select(1, 0);
        int b = lastHiddenState.dim(0), t = lastHiddenState.dim(1), d = lastHiddenState.dim(2);
        float[] h = lastHiddenState.toFloatArray();
        float[] mean = new float[b * d];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < d; j++) {
                double s = 0;
                for (int k = 1; k < t; k++) s += h[(i * t + k) * d + j];
                mean[i * d + j] = (float) (s / (t - 1));
            }
        }
        Tensor m = Tensor.of(mean, b, d);
        return fcNorm == null ? m : backend.layerNorm(m, fcNorm[0], fcNorm[1], (float) vit.config().layerNormEps());
    }

    private void requireHead() {
        if (classifier == null) {
            throw new BadInputException("this checkpoint has no classification head ('" + classifierName
                    + ".weight' absent, e.g. an HF ViTModel): use ViTModel for features");
        }
    }

    static boolean exists(Path p) {
        return p != null && Files.isRegularFile(p);
    }
}
