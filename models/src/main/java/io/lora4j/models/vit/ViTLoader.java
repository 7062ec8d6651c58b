package io.lora4j.models.vit;

import io.lora4j.engine.BadInputException;
import io.lora4j.engine.Tensor;
import io.lora4j.engine.io.TensorSource;
import io.lora4j.models.nn.Linear;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a ViT checkpoint into {@link ViTForImageClassification}.
 *
 * <p>Layout: timm if the weights contain {@code patch_embed.proj.weight}; else HF with prefix "vit."
 * ({@code ViTForImageClassification}) or none (a saved {@code ViTModel}).
 * Configuration: {@code archFile} if given; else {@code config.json} next to the weights (HF, or timm's
 * hub config); else {@code vit_arch.json}; for timm weights every field but num_attention_heads can be
 * inferred from the shapes.
 */
public final class ViTLoader {
    private ViTLoader() {}

    /** The configuration of the checkpoint at {@code dirOrFile} (whose weights are {@code src}). */
    public static ViTConfig config(Path dirOrFile, Path archFile, TensorSource src) {
        if (archFile != null) return ViTConfig.read(archFile, src);
        Path dir = Files.isDirectory(dirOrFile) ? dirOrFile : dirOrFile.toAbsolutePath().getParent();
        boolean timm = src.contains("patch_embed.proj.weight");
        for (String name : new String[] {"config.json", "vit_arch.json"}) {
            Path p = dir.resolve(name);
            if (Files.isRegularFile(p)) return ViTConfig.read(p, src);
        }
        if (timm) return ViTConfig.fromTimm(null, dir + " (no config.json or vit_arch.json)", src);
        throw new BadInputException(dir + ": no config.json (an HF ViT checkpoint directory has one)");
    }

    static ViTForImageClassification build(TensorSource src, ViTConfig c) {
        ViTNames n;
        if (c.naming() == ViTConfig.Naming.TIMM || src.contains("patch_embed.proj.weight")) {
            n = ViTNames.timm();
            if (src.contains("reg_token") || src.contains("norm_pre.weight")) {
                throw new BadInputException(src.origin() + ": timm ViT variants with register tokens or a pre-norm (CLIP) are not supported");
            }
        } else if (src.contains("vit.embeddings.cls_token")) {
            n = ViTNames.hf("vit.");
        } else if (src.contains("embeddings.cls_token")) {
            n = ViTNames.hf("");
        } else {
            List<String> some = new ArrayList<>(src.names()).subList(0, Math.min(5, src.names().size()));
            throw new BadInputException(src.origin() + ": not a ViT checkpoint: no 'vit.embeddings.cls_token', 'embeddings.cls_token' "
                    + "(HF) or 'patch_embed.proj.weight' (timm); first tensors: " + some);
        }
        boolean timm = n.qkv(0) != null;
        int d = c.hiddenSize(), inter = c.intermediateSize(), p = c.patchSize(), g = c.gridSize();
        ViTWeights w = new ViTWeights(src);
        ViTPatchEmbeddings patch = new ViTPatchEmbeddings(w.get(n.patchProjection() + ".weight", d, c.numChannels(), p, p),
                w.get(n.patchProjection() + ".bias", d));
        ViTEmbeddings emb = new ViTEmbeddings(w.get(n.clsToken(), 1, 1, d), w.get(n.positionEmbeddings(), 1, 1 + g * g, d), patch, c.imageSize());
        Activation act = Activation.of(c.hiddenAct());
        List<ViTLayer> layers = new ArrayList<>();
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            ViTSelfAttention att = timm
                    ? ViTSelfAttention.fused(w.linear(n.qkv(i), 3 * d, d, c.qkvBias()), n.qkv(i), c.numAttentionHeads())
                    : ViTSelfAttention.separate(w.linear(n.query(i), d, d, c.qkvBias()), w.linear(n.key(i), d, d, c.qkvBias()),
                            w.linear(n.value(i), d, d, c.qkvBias()), n.query(i), n.key(i), n.value(i), c.numAttentionHeads());
            layers.add(new ViTLayer(w.norm(n.layerNormBefore(i), d), att, w.linear(n.attentionOutput(i), d, d, true),
                    w.norm(n.layerNormAfter(i), d), w.linear(n.intermediate(i), inter, d, true), w.linear(n.output(i), d, inter, true),
                    n.attentionOutput(i), n.intermediate(i), n.output(i), act, (float) c.layerNormEps()));
        }
        if (timm && w.has("blocks." + c.numHiddenLayers() + ".norm1.weight")) {
            throw new BadInputException(src.origin() + ": the weights have more than num_hidden_layers=" + c.numHiddenLayers() + " blocks");
        }
        boolean mean = c.pooling() == ViTConfig.Pooling.MEAN;
        Tensor[] finalNorm = (!timm || !mean || w.has(n.finalNorm() + ".weight")) ? w.norm(n.finalNorm(), d) : null;
        Tensor[] fcNorm = mean && n.fcNorm() != null && w.has(n.fcNorm() + ".weight") ? w.norm(n.fcNorm(), d) : null;
        Linear pooler = n.pooler() != null && w.has(n.pooler() + ".weight") ? w.linear(n.pooler(), d, d, true) : null;
        Linear head = null;
        ViTConfig cfg = c;
        if (w.has(n.head() + ".weight")) {
            Tensor hw = src.get(n.head() + ".weight");
            if (c.numLabels() == 0 && hw.rank() == 2) cfg = c.withLabels(ViTConfig.defaultLabels(hw.dim(0)));
            head = w.linear(n.head(), cfg.numLabels(), d, true);
        }
        if (timm != (cfg.naming() == ViTConfig.Naming.TIMM)) {
            cfg = new ViTConfig(cfg.imageSize(), cfg.patchSize(), cfg.numChannels(), cfg.hiddenSize(), cfg.numHiddenLayers(),
                    cfg.numAttentionHeads(), cfg.intermediateSize(), cfg.hiddenAct(), cfg.layerNormEps(), cfg.qkvBias(), cfg.labels(),
                    timm ? ViTConfig.Naming.TIMM : ViTConfig.Naming.HF, cfg.pooling());
        }
        w.finish(cfg.toString());
        ViTModel vit = new ViTModel(cfg, emb, layers, finalNorm, pooler, n.pooler());
        return new ViTForImageClassification(vit, fcNorm, head, n.head());
    }
}
