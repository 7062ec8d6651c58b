package io.lora4j.models.vit;

import io.lora4j.engine.Backend;
import io.lora4j.engine.Tensor;
import io.lora4j.engine.io.TensorSource;
import io.lora4j.models.nn.ForwardContext;
import io.lora4j.models.nn.Linear;
import io.lora4j.models.nn.LinearRewriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The ViT backbone (HF {@code ViTModel}; timm's VisionTransformer without its head): embeddings,
 * encoder layers, final LayerNorm, and HF's optional pooler (dense + tanh on the class token).
 * Immutable and thread-safe; weights are views of the mapped checkpoint.
 *
 * <p>For many forward passes over the same images with different adapters (GLoRA search), compute
 * {@link #embeddings} once and call {@link #encodeFromEmbeddings} per candidate: the patch embedding is
 * never rewritten by adapters.
 */
public final class ViTModel {
    private final ViTConfig config;
    private final ViTEmbeddings embeddings;
    private final List<ViTLayer> layers;
    private final Tensor[] layerNorm;   // null: none (timm mean pooling with fc_norm)
    private final Linear pooler;        // null: none
    private final String poolerName;
    private final float eps;

    ViTModel(ViTConfig config, ViTEmbeddings embeddings, List<ViTLayer> layers, Tensor[] layerNorm, Linear pooler, String poolerName) {
        this.config = config;
        this.embeddings = embeddings;
        this.layers = List.copyOf(layers);
        this.layerNorm = layerNorm;
        this.pooler = pooler;
        this.poolerName = poolerName;
        this.eps = (float) config.layerNormEps();
    }

    /** Loads the backbone of any ViT checkpoint directory (HF or timm naming; a head, if present, is ignored). */
    public static ViTModel load(Path dir) {
        return ViTForImageClassification.load(dir).vit();
    }

    /** Loads from already opened weights with a given configuration. */
    public static ViTModel load(TensorSource weights, ViTConfig config) {
        return ViTForImageClassification.load(weights, config).vit();
    }

    public ViTConfig config() {
        return config;
    }

    /** A model whose Linears are {@code rewriter}'s replacements; every other weight is shared. */
    public ViTModel withLinears(LinearRewriter rewriter) {
        List<ViTLayer> nl = new ArrayList<>(layers.size());
        for (ViTLayer l : layers) nl.add(l.withLinears(rewriter));
        return new ViTModel(config, embeddings, nl, layerNorm, pooler == null ? null : rewriter.rewrite(poolerName, pooler), poolerName);
    }

    /** Names of every Linear, in forward order (the names {@link #withLinears} passes). */
    public List<String> linearNames() {
        List<String> out = new ArrayList<>();
        for (ViTLayer l : layers) l.names(out);
        if (pooler != null) out.add(poolerName);
        return out;
    }

    public boolean hasPooler() {
        return pooler != null;
    }

    /** Patch + position embeddings: pixels [B, C, H, W] at the training size → [B, 1 + N, D]. */
    public Tensor embeddings(Backend backend, Tensor pixelValues) {
        return embeddings.forward(backend, pixelValues, false);
    }

    /** Same; with {@code interpolatePosEncoding} other (multiple-of-patch) sizes work as in HF. */
    public Tensor embeddings(Backend backend, Tensor pixelValues, boolean interpolatePosEncoding) {
        return embeddings.forward(backend, pixelValues, interpolatePosEncoding);
    }

    /** The encoder layers and the final norm (if any): embeddings [B, T, D] → last hidden state [B, T, D]. */
    public Tensor encodeFromEmbeddings(Backend backend, Tensor embeddingOutput, ForwardContext ctx) {
        Tensor h = embeddingOutput;
        for (ViTLayer l : layers) h = l.forward(backend, h, ctx);
        return finalNorm(backend, h);
    }

    /**
     * HF's {@code hidden_states}: the embedding output followed by each layer's output (before the final
     * norm), L + 1 tensors [B, T, D].
     */
    public List<Tensor> hiddenStates(Backend backend, Tensor pixelValues, boolean interpolatePosEncoding, ForwardContext ctx) {
        List<Tensor> out = new ArrayList<>();
        Tensor h = embeddings(backend, pixelValues, interpolatePosEncoding);
        out.add(h);
        for (ViTLayer l : layers) {
            h = l.forward(backend, h, ctx);
            out.add(h);
        }
        return out;
    }

    Tensor finalNorm(Backend backend, Tensor h) {
        return layerNorm == null ? h : backend.layerNorm(h, layerNorm[0], layerNorm[1], eps);
    }

    /** Last hidden state [B, T, D] and HF's pooler output [B, D] (null without a pooler). */
    public record Output(Tensor lastHiddenState, Tensor poolerOutput) {}

    public Output forward(Backend backend, Tensor pixelValues) {
        return forward(backend, pixelValues, false, ForwardContext.NONE);
    }

    public Output forward(Backend backend, Tensor pixelValues, boolean interpolatePosEncoding, ForwardContext ctx) {
        Tensor last = encodeFromEmbeddings(backend, embeddings(backend, pixelValues, interpolatePosEncoding), ctx);
        return new Output(last, pooler == null ? null : poolerOutput(backend, last, ctx));
    }

    /** HF's ViTPooler: tanh(dense(last[:, 0])) → [B, D]; requires {@link #hasPooler()}. */
    public Tensor poolerOutput(Backend backend, Tensor lastHiddenState, ForwardContext ctx) {
        if (pooler == null) throw new IllegalStateException("this ViTModel has no pooler");
        float[] v = pooler.forward(backend, lastHiddenState.select(1, 0), ctx).toFloatArray();
        for (int i = 0; i < v.length; i++) v[i] = (float) Math.tanh(v[i]);
        return Tensor.of(v, lastHiddenState.dim(0), v.length / lastHiddenState.dim(0));
    }
}
