package io.lora4j.models.t5;

import io.lora4j.engine.Backend;
import io.lora4j.engine.Tensor;
import io.lora4j.models.nn.ForwardContext;
import io.lora4j.models.nn.Linear;
import java.util.List;
import java.util.Map;

/**
 * The encoder or the decoder (HF {@code T5Stack}): token embedding (the shared table), blocks, final
 * layer norm. Layer 0's relative position bias is computed once per call and shared by all blocks.
 */
final class T5Stack {
    private final T5Config config;
    private final boolean decoder;
    private final Tensor embedTokens;
    private final T5Block[] blocks;
    private final T5LayerNorm finalLayerNorm;

    private T5Stack(T5Config config, boolean decoder, Tensor embedTokens, T5Block[] blocks, T5LayerNorm finalLayerNorm) {
        this.config = config;
        this.decoder = decoder;
        this.embedTokens = embedTokens;
        this.blocks = blocks;
        this.finalLayerNorm = finalLayerNorm;
    }

    static T5Stack build(T5Config c, boolean decoder, Map<String, Tensor> t, Map<String, Linear> l) {
        String p = decoder ? "decoder" : "encoder";
        int n = decoder ? c.numDecoderLayers() : c.numLayers();
        float eps = c.layerNormEpsilon();
        T5Block[] blocks = new T5Block[n];
        for (int i = 0; i < n; i++) {
            String b = p + ".block." + i + ".layer.";
            T5Attention self = attention(c, l, b + "0.SelfAttention",
                    i == 0 ? t.get(b + "0.SelfAttention.relative_attention_bias.weight") : null, !decoder);
            T5LayerSelfAttention sa = new T5LayerSelfAttention(new T5LayerNorm(t.get(b + "0.layer_norm.weight"), eps), self);
            T5LayerCrossAttention ca = null;
            int ff = 1;
            if (decoder) {
                ca = new T5LayerCrossAttention(new T5LayerNorm(t.get(b + "1.layer_norm.weight"), eps),
                        attention(c, l, b + "1.EncDecAttention", null, true));
                ff = 2;
            }
            String d = b + ff + ".DenseReluDense.";
            T5Dense dense = c.gated()
                    ? new T5DenseGatedActDense(l.get(d + "wi_0"), l.get(d + "wi_1"), l.get(d + "wo"), c.activation())
                    : new T5DenseActDense(l.get(d + "wi"), l.get(d + "wo"), c.activation());
            blocks[i] = new T5Block(sa, ca, new T5LayerFF(new T5LayerNorm(t.get(b + ff + ".layer_norm.weight"), eps), dense));
        }
        return new T5Stack(c, decoder, t.get("shared.weight"), blocks,
                new T5LayerNorm(t.get(p + ".final_layer_norm.weight"), eps));
    }

    private static T5Attention attention(T5Config c, Map<String, Linear> l, String p, Tensor relBias, boolean bidirectional) {
        return new T5Attention(c, l.get(p + ".q"), l.get(p + ".k"), l.get(p + ".v"), l.get(p + ".o"), relBias, bidirectional);
    }

    private Tensor embed(Backend be, int[][] ids) {
        int b = ids.length, len = ids[0].length;
        int[] flat = new int[b * len];
        for (int i = 0; i < b; i++) {
            if (ids[i].length != len) throw new IllegalArgumentException("token id rows must have equal length (pad them)");
            System.arraycopy(ids[i], 0, flat, i * len, len);
        }
        return be.embedding(embedTokens, flat).reshape(b, len, config.dModel());
    }

    /**
     * Encoder: ids [B][S] with mask bias [B, 1, 1, S] → final hidden [B, S, D]. If {@code hidden} is not
     * null, the input of every block and then the final output are added to it (HF's hidden_states).
     */
    Tensor encode(Backend be, int[][] ids, Tensor maskBias, List<Tensor> hidden, ForwardContext ctx) {
        int s = ids[0].length;
        Tensor h = embed(be, ids);
        Tensor bias = be.add(blocks[0].selfAttention().selfAttention().positionBias(s, s, 0, false), maskBias);
        for (T5Block block : blocks) {
            if (hidden != null) hidden.add(h);
            h = block.forward(be, h, bias, null, null, null, 0, ctx);
        }
        h = finalLayerNorm.forward(be, h);
        if (hidden != null) hidden.add(h);
        return h;
    }

    /**
     * Decoder over ids [B][T] at absolute positions offset..offset+T-1 (offset > 0 only with a cache holding
     * the earlier positions) → final hidden [B, T, D].
     */
    Tensor decode(Backend be, int[][] ids, int offset, Tensor encoderHidden, Tensor encoderBias, T5KvCache cache,
            List<Tensor> hidden, ForwardContext ctx) {
        if (!decoder) throw new IllegalStateException("decode on the encoder");
        int len = ids[0].length;
        Tensor h = embed(be, ids);
        Tensor selfBias = blocks[0].selfAttention().selfAttention().positionBias(len, offset + len, offset, len > 1);
        for (int i = 0; i < blocks.length; i++) {
            if (hidden != null) hidden.add(h);
            h = blocks[i].forward(be, h, selfBias, encoderHidden, encoderBias, cache == null ? null : cache.layers[i], offset, ctx);
        }
        h = finalLayerNorm.forward(be, h);
        if (hidden != null) hidden.add(h);
        return h;
    }
}
