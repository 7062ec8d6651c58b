package io.lora4j.models.vit;

/**
 * Weight names of one checkpoint layout. Linear layers are named by their weight name without
 * ".weight" in the checkpoint's own naming (e.g. {@code vit.encoder.layer.0.attention.attention.query}
 * or {@code blocks.0.attn.qkv}); those are the names {@link ViTForImageClassification#withLinears} passes.
 */
abstract class ViTNames {
    abstract String clsToken();
    abstract String positionEmbeddings();
    abstract String patchProjection();
    abstract String layerNormBefore(int i);
    /** Fused q/k/v (timm), or null when the layout has separate ones. */
    abstract String qkv(int i);
    abstract String query(int i);
    abstract String key(int i);
    abstract String value(int i);
    abstract String attentionOutput(int i);
    abstract String layerNormAfter(int i);
    abstract String intermediate(int i);
    abstract String output(int i);
    /** Final norm before pooling (absent in timm mean-pooling models). */
    abstract String finalNorm();
    /** Norm after mean pooling (timm), or null. */
    abstract String fcNorm();
    /** HF ViTModel's pooler dense layer, or null. */
    abstract String pooler();
    abstract String head();

    /** HF names under {@code prefix} ("vit." for ViTForImageClassification, "" for a ViTModel checkpoint). */
    static ViTNames hf(String prefix) {
        return new ViTNames() {
            String l(int i) { return prefix + "encoder.layer." + i + "."; }
            String clsToken() { return prefix + "embeddings.cls_token"; }
            String positionEmbeddings() { return prefix + "embeddings.position_embeddings"; }
            String patchProjection() { return prefix + "embeddings.patch_embeddings.projection"; }
            String layerNormBefore(int i) { return l(i) + "layernorm_before"; }
            String qkv(int i) { return null; }
            String query(int i) { return l(i) + "attention.attention.query"; }
            String key(int i) { return l(i) + "attention.attention.key"; }
            String value(int i) { return l(i) + "attention.attention.value"; }
            String attentionOutput(int i) { return l(i) + "attention.output.dense"; }
            String layerNormAfter(int i) { return l(i) + "layernorm_after"; }
            String intermediate(int i) { return l(i) + "intermediate.dense"; }
            String output(int i) { return l(i) + "output.dense"; }
            String finalNorm() { return prefix + "layernorm"; }
            String fcNorm() { return null; }
            String pooler() { return prefix + "pooler.dense"; }
            String head() { return "classifier"; }
        };
    }

    /** timm's VisionTransformer names. */
    static ViTNames timm() {
        return new ViTNames() {
            String b(int i) { return "blocks." + i + "."; }
            String clsToken() { return "cls_token"; }
            String positionEmbeddings() { return "pos_embed"; }
            String patchProjection() { return "patch_embed.proj"; }
            String layerNormBefore(int i) { return b(i) + "norm1"; }
            String qkv(int i) { return b(i) + "attn.qkv"; }
            String query(int i) { return null; }
            String key(int i) { return null; }
            String value(int i) { return null; }
            String attentionOutput(int i) { return b(i) + "attn.proj"; }
            String layerNormAfter(int i) { return b(i) + "norm2"; }
            String intermediate(int i) { return b(i) + "mlp.fc1"; }
            String output(int i) { return b(i) + "mlp.fc2"; }
            String finalNorm() { return "norm"; }
            String fcNorm() { return "fc_norm"; }
            String pooler() { return null; }
            String head() { return "head"; }
        };
    }
}
