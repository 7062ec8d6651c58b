package io.lora4j.models.t5;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.lora4j.engine.Backend;
import io.lora4j.engine.BadInputException;
import io.lora4j.engine.ScalarBackend;
import io.lora4j.engine.Tensor;
import io.lora4j.engine.io.Checkpoints;
import io.lora4j.models.nn.DenseLinear;
import io.lora4j.models.nn.ForwardContext;
import io.lora4j.models.nn.Linear;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Structure tests on a random in-memory T5 (numeric parity with HF lives in the tests module). */
class T5ModelTest {
    final Backend be = new ScalarBackend();

    static T5Config config() throws Exception {
        return T5Config.fromJson(new ObjectMapper().readTree("""
                {"vocab_size":20,"d_model":8,"d_kv":3,"num_heads":2,"d_ff":12,"num_layers":2,"num_decoder_layers":1,
                 "feed_forward_proj":"gated-gelu","tie_word_embeddings":false,
                 "relative_attention_num_buckets":8,"relative_attention_max_distance":6}"""), "test");
    }

    static Map<String, Tensor> weights(T5Config c, long seed) {
        Random r = new Random(seed);
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("shared.weight", rand(r, c.vocabSize(), c.dModel()));
        m.put("lm_head.weight", rand(r, c.vocabSize(), c.dModel()));
        for (String p : new String[] {"encoder", "decoder"}) {
            int layers = p.equals("encoder") ? c.numLayers() : c.numDecoderLayers();
            for (int i = 0; i < layers; i++) {
                String b = p + ".block." + i + ".layer.";
                attn(r, c, m, b + "0.SelfAttention");
                if (i == 0) m.put(b + "0.SelfAttention.relative_attention_bias.weight", rand(r, c.relativeAttentionNumBuckets(), c.numHeads()));
                m.put(b + "0.layer_norm.weight", rand(r, c.dModel()));
                int ff = 1;
                if (p.equals("decoder")) {
                    attn(r, c, m, b + "1.EncDecAttention");
                    m.put(b + "1.layer_norm.weight", rand(r, c.dModel()));
                    ff = 2;
                }
                m.put(b + ff + ".DenseReluDense.wi_0.weight", rand(r, c.dFf(), c.dModel()));
                m.put(b + ff + ".DenseReluDense.wi_1.weight", rand(r, c.dFf(), c.dModel()));
                m.put(b + ff + ".DenseReluDense.wo.weight", rand(r, c.dModel(), c.dFf()));
                m.put(b + ff + ".layer_norm.weight", rand(r, c.dModel()));
            }
            m.put(p + ".final_layer_norm.weight", rand(r, c.dModel()));
        }
        return m;
    }

    private static void attn(Random r, T5Config c, Map<String, Tensor> m, String p) {
        for (String n : new String[] {"q", "k", "v"}) m.put(p + "." + n + ".weight", rand(r, c.innerDim(), c.dModel()));
        m.put(p + ".o.weight", rand(r, c.dModel(), c.innerDim()));
    }

    static Tensor rand(Random r, int... shape) {
        Tensor t = Tensor.zeros(shape);
        float[] a = t.array();
        for (int i = 0; i < a.length; i++) a[i] = (float) (r.nextGaussian() * 0.5);
        return t;
    }

    @Test
    void missingAndUnexpectedTensorsAreListedByName() throws Exception {
        T5Config c = config();
        Map<String, Tensor> w = weights(c, 1);
        w.remove("decoder.block.0.layer.1.EncDecAttention.k.weight");
        w.remove("lm_head.weight");
        w.put("encoder.block.9.layer.0.SelfAttention.q.weight", Tensor.zeros(6, 8));
        String msg = assertThrows(BadInputException.class, () -> T5ForConditionalGeneration.from(c, Checkpoints.of("ckpt", w))).getMessage();
        assertTrue(msg.contains("decoder.block.0.layer.1.EncDecAttention.k.weight"), msg);
        assertTrue(msg.contains("lm_head.weight"), msg);
        assertTrue(msg.contains("unexpected tensors [encoder.block.9.layer.0.SelfAttention.q.weight]"), msg);
    }

    @Test
    void wrongShapeNamesTensorAndShapes() throws Exception {
        T5Config c = config();
        Map<String, Tensor> w = weights(c, 1);
        w.put("encoder.block.1.layer.1.DenseReluDense.wo.weight", Tensor.zeros(8, 13));
        String msg = assertThrows(BadInputException.class, () -> T5ForConditionalGeneration.from(c, Checkpoints.of("ckpt", w))).getMessage();
        assertTrue(msg.contains("encoder.block.1.layer.1.DenseReluDense.wo.weight") && msg.contains("[8, 13]") && msg.contains("[8, 12]"), msg);
    }

    @Test
    void withLinearsSharesUntouchedLayersAndChangesOutput() throws Exception {
        T5Config c = config();
        T5ForConditionalGeneration m = T5ForConditionalGeneration.from(c, Checkpoints.of("ckpt", weights(c, 2)));
        assertEquals(2 * (4 + 3) + (8 + 3) + 1, m.linears().size());
        assertTrue(m.linears().containsKey("decoder.block.0.layer.1.EncDecAttention.v"));
        String target = "encoder.block.0.layer.0.SelfAttention.q";
        T5ForConditionalGeneration same = m.withLinears((n, l) -> l);
        T5ForConditionalGeneration changed = m.withLinears((n, l) -> n.equals(target) ? scaled((DenseLinear) l) : l);
        assertSame(m.linears().get("lm_head"), changed.linears().get("lm_head"));
        int[][] ids = {{3, 4, 5, 1}}, dec = {{0, 7, 8}};
        float[] a = m.logits(be, ids, null, dec, ForwardContext.NONE).toFloatArray();
        assertArrayEquals(a, same.logits(be, ids, null, dec, ForwardContext.NONE).toFloatArray());
        assertNotEquals(a[0], changed.logits(be, ids, null, dec, ForwardContext.NONE).toFloatArray()[0]);
        // the original model is untouched
        assertArrayEquals(a, m.logits(be, ids, null, dec, ForwardContext.NONE).toFloatArray());
    }

    private static Linear scaled(DenseLinear l) {
        float[] w = l.weight().toFloatArray();
        for (int i = 0; i < w.length; i++) w[i] *= 2;
        return new DenseLinear(Tensor.of(w, l.weight().shape()), null);
    }

    @Test
    void incrementalDecodingWithCacheEqualsFullForward() throws Exception {
        T5Config c = config();
        T5ForConditionalGeneration m = T5ForConditionalGeneration.from(c, Checkpoints.of("ckpt", weights(c, 3)));
        int[][] ids = {{3, 4, 5, 6, 7, 8, 9, 10, 1}, {11, 12, 1, 0, 0, 0, 0, 0, 0}};
        int[][] mask = {{1, 1, 1, 1, 1, 1, 1, 1, 1}, {1, 1, 1, 0, 0, 0, 0, 0, 0}};
        int[][] dec = {{0, 5, 6, 7, 8, 9, 2, 3}, {0, 9, 9, 4, 1, 0, 0, 0}};
        Tensor full = m.logits(be, ids, mask, dec, ForwardContext.NONE);
        var enc = m.encode(be, ids, mask, ForwardContext.NONE);
        T5KvCache cache = new T5KvCache(c, 2, dec[0].length);
        for (int t = 0; t < dec[0].length; t++) {
            int[][] step = {{dec[0][t]}, {dec[1][t]}};
            Tensor l = m.decodeStep(be, step, t, enc.lastHiddenState(), enc.maskBias(), cache, ForwardContext.NONE);
            for (int b = 0; b < 2; b++) {
                for (int v = 0; v < c.vocabSize(); v++) {
                    assertEquals(full.get(b, t, v), l.get(b, 0, v), 1e-5, "row " + b + " step " + t + " token " + v);
                }
            }
        }
    }

    @Test
    void badIdsAreReported() throws Exception {
        T5Config c = config();
        T5ForConditionalGeneration m = T5ForConditionalGeneration.from(c, Checkpoints.of("ckpt", weights(c, 4)));
        assertThrows(BadInputException.class, () -> m.logits(be, new int[][] {{3, 25}}, null, new int[][] {{0}}, ForwardContext.NONE));
        assertThrows(BadInputException.class, () -> m.logits(be, new int[][] {{3, 4}, {5}}, null, new int[][] {{0}, {0}}, ForwardContext.NONE));
        assertThrows(BadInputException.class, () -> m.score(be, new int[][] {{3}}, new int[][] {{}}, ForwardContext.NONE));
    }
}
