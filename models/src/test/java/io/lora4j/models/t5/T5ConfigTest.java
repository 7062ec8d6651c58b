package io.lora4j.models.t5;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.lora4j.engine.BadInputException;
import org.junit.jupiter.api.Test;

class T5ConfigTest {
    static T5Config parse(String json) throws Exception {
        return T5Config.fromJson(new ObjectMapper().readTree(json), "config.json");
    }

    static String msg(String json) {
        return assertThrows(BadInputException.class, () -> parse(json)).getMessage();
    }

    @Test
    void flanT5LargeFields() throws Exception {
        T5Config c = parse("""
                {"model_type":"t5","d_model":1024,"d_kv":64,"d_ff":2816,"num_layers":24,"num_heads":16,
                 "feed_forward_proj":"gated-gelu","tie_word_embeddings":false,"vocab_size":32128,
                 "decoder_start_token_id":0,"eos_token_id":1,"pad_token_id":0,"n_positions":512,
                 "task_specific_params":{"summarization":{"prefix":"summarize: "}}}""");
        assertEquals(24, c.numDecoderLayers(), "num_decoder_layers defaults to num_layers");
        assertEquals(T5Config.Activation.GELU_NEW, c.activation(), "gated-gelu means tanh-approximated GELU");
        assertTrue(c.gated());
        assertFalse(c.scaleDecoderOutputs());
        assertFalse(c.tieWordEmbeddings());
        assertEquals(1024, c.innerDim());
    }

    @Test
    void originalT5DefaultsToTiedAndScaled() throws Exception {
        T5Config c = parse("{\"d_model\":8,\"d_kv\":2,\"num_heads\":3,\"num_decoder_layers\":1}");
        assertTrue(c.tieWordEmbeddings());
        assertTrue(c.scaleDecoderOutputs());
        assertEquals(T5Config.Activation.RELU, c.activation());
        assertFalse(c.gated());
        assertEquals(6, c.innerDim());
        assertEquals(1, c.numDecoderLayers());
        assertEquals(0, c.decoderStartTokenId(), "absent decoder_start_token_id is the pad id");
    }

    @Test
    void hf5StyleConfigKeepsScaleFlag() throws Exception {
        T5Config c = parse("{\"tie_word_embeddings\":true,\"scale_decoder_outputs\":false,\"feed_forward_proj\":\"gated-silu\"}");
        assertTrue(c.tieWordEmbeddings());
        assertFalse(c.scaleDecoderOutputs());
        assertEquals(T5Config.Activation.SILU, c.activation());
    }

    @Test
    void badValuesNameTheField() {
        assertTrue(msg("{\"model_type\":\"bert\"}").contains("'model_type'"));
        assertTrue(msg("{\"feed_forward_proj\":\"gated-foo\"}").contains("'feed_forward_proj'"));
        assertTrue(msg("{\"feed_forward_proj\":\"double-gelu\"}").contains("'feed_forward_proj'"));
        assertTrue(msg("{\"feed_forward_proj\":\"relu\",\"dense_act_fn\":\"gelu_new\"}").contains("'dense_act_fn'"));
        assertTrue(msg("{\"feed_forward_proj\":\"relu\",\"is_gated_act\":true}").contains("'is_gated_act'"));
        assertTrue(msg("{\"d_model\":0}").contains("'d_model'"));
        assertTrue(msg("{\"num_heads\":\"8\"}").contains("'num_heads'"));
        assertTrue(msg("{\"d_kv\":1.5}").contains("'d_kv'"));
        assertTrue(msg("{\"vocab_size\":10,\"eos_token_id\":12}").contains("'eos_token_id'"));
        assertTrue(msg("{\"is_encoder_decoder\":false}").contains("'is_encoder_decoder'"));
        assertTrue(msg("{\"layer_norm_epsilon\":-1}").contains("'layer_norm_epsilon'"));
        assertTrue(msg("{\"tie_word_embeddings\":\"yes\"}").contains("'tie_word_embeddings'"));
    }

    @Test
    void bucketsAreExactBelowHalfAndLogarithmicAbove() {
        // bidirectional, 32 buckets: keys after the query use buckets 16..31
        assertEquals(0, T5Buckets.bucket(0, true, 32, 128));
        assertEquals(3, T5Buckets.bucket(-3, true, 32, 128));
        assertEquals(16 + 3, T5Buckets.bucket(3, true, 32, 128));
        assertEquals(15, T5Buckets.bucket(-1000, true, 32, 128));
        // causal: future keys all map to bucket 0
        assertEquals(0, T5Buckets.bucket(5, false, 32, 128));
        assertEquals(31, T5Buckets.bucket(-1000, false, 32, 128));
    }
}
