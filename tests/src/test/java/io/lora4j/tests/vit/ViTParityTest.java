package io.lora4j.tests.vit;

import static io.lora4j.tests.vit.VitFixtures.DIR;
import static io.lora4j.tests.vit.VitFixtures.assertClose;
import static io.lora4j.tests.vit.VitFixtures.expected;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lora4j.engine.Backend;
import io.lora4j.engine.Backends;
import io.lora4j.engine.BadInputException;
import io.lora4j.engine.ScalarBackend;
import io.lora4j.tests.TestBackends;
import io.lora4j.engine.Tensor;
import io.lora4j.models.nn.ForwardContext;
import io.lora4j.models.nn.Linear;
import io.lora4j.models.vit.ViTConfig;
import io.lora4j.models.vit.ViTForImageClassification;
import io.lora4j.models.vit.ViTModel;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * ViT parity with HF transformers (and a timm-layout reference forward) on the tiny random model of
 * tools/reference/vit_fixtures.py. Tolerance 1e-4 absolute on logits and hidden states (values of
 * order 1; F32 with different summation orders differs by ~1e-6).
 */
class ViTParityTest {
    static final float TOL = 1e-4f;
    static final Backend CPU = Backends.create("cpu", 2);

    /** The scalar reference, the cpu backend, and -Dlora4j.test.backend's when it is another one. */
    static Stream<Backend> backends() {
        return Stream.concat(Stream.of(new ScalarBackend(), CPU), TestBackends.extra()); // + tornadovm with -Ptornadovm
    }

    @AfterAll
    static void close() {
        CPU.close();
    }

    @ParameterizedTest
    @MethodSource("backends")
    void hfClassifierLogitsAndHiddenStates(Backend b) {
        ViTForImageClassification m = ViTForImageClassification.load(DIR.resolve("hf-vit-cls"));
        assertEquals(ViTConfig.Naming.HF, m.config().naming());
        assertEquals(List.of("tabby cat", "golden retriever", "teapot", "volcano", "daisy"), m.labels());
        Tensor px = expected("pixel_values");
        assertClose(m.logits(b, px), expected("logits"), TOL, "logits");
        List<Tensor> hs = m.vit().hiddenStates(b, px, false, ForwardContext.NONE);
        assertEquals(m.config().numHiddenLayers() + 1, hs.size());
        for (int i = 0; i < hs.size(); i++) assertClose(hs.get(i), expected("hidden_states_" + i), TOL, "hidden_states_" + i);
        assertClose(m.vit().forward(b, px).lastHiddenState(), expected("last_hidden_state"), TOL, "last_hidden_state");
    }

    /** The same weights from a PyTorch pytorch_model.bin (torch.save zip) give the same logits. */
    @Test
    void pytorchBinCheckpoint() {
        ViTForImageClassification m = ViTForImageClassification.load(DIR.resolve("hf-vit-bin"));
        assertClose(m.logits(new ScalarBackend(), expected("pixel_values")), expected("logits"), TOL, "pytorch_model.bin logits");
    }

    /**
     * BF16 weights stay BF16 (mapped, widened by the kernels): logits within 0.03 of HF's F32 logits
     * (bf16 keeps 8 mantissa bits, relative error 2^-9 per weight; measured max |diff| is printed).
     */
    @Test
    void bf16Checkpoint(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        var src = io.lora4j.engine.io.Checkpoints.open(DIR.resolve("hf-vit-cls"));
        var w = new io.lora4j.engine.io.SafetensorsWriter();
        for (String n : src.names()) w.add(n, src.get(n), io.lora4j.engine.DType.BF16);
        w.write(dir.resolve("model.safetensors"));
        java.nio.file.Files.copy(DIR.resolve("hf-vit-cls/config.json"), dir.resolve("config.json"));
        ViTForImageClassification m = ViTForImageClassification.load(dir);
        float d = VitFixtures.maxAbsDiff(m.logits(CPU, expected("pixel_values")), expected("logits"));
        System.err.println("bf16 ViT logits max |diff| vs F32 HF: " + d);
        assertTrue(d < 0.03f && d > 0f, "bf16 logits diff " + d);
    }

    @Test
    void hfViTModelWithPooler() {
        Backend b = new ScalarBackend();
        ViTModel m = ViTModel.load(DIR.resolve("hf-vit-model"));
        assertTrue(m.hasPooler());
        ViTModel.Output o = m.forward(b, expected("pixel_values"));
        assertClose(o.lastHiddenState(), expected("model_last_hidden_state"), TOL, "last_hidden_state");
        assertClose(o.poolerOutput(), expected("model_pooler_output"), TOL, "pooler_output");
        assertTrue(m.linearNames().contains("encoder.layer.0.attention.attention.query"), m.linearNames().toString());
        ViTForImageClassification noHead = ViTForImageClassification.load(DIR.resolve("hf-vit-model"));
        assertFalse(noHead.hasHead());
        BadInputException e = assertThrows(BadInputException.class, () -> noHead.logits(b, expected("pixel_values")));
        assertTrue(e.getMessage().contains("no classification head"), e.getMessage());
    }

    @ParameterizedTest
    @MethodSource("backends")
    void timmTokenPoolingMatchesHf(Backend b) {
        ViTForImageClassification m = ViTForImageClassification.load(DIR.resolve("timm-vit"));
        assertEquals(ViTConfig.Naming.TIMM, m.config().naming());
        assertEquals(ViTConfig.Pooling.CLS, m.config().pooling());
        assertEquals("teapot", m.labels().get(2));
        assertClose(m.logits(b, expected("pixel_values")), expected("logits"), TOL, "timm logits");
        assertEquals(List.of("blocks.0.attn.qkv", "blocks.0.attn.proj", "blocks.0.mlp.fc1", "blocks.0.mlp.fc2",
                "blocks.1.attn.qkv", "blocks.1.attn.proj", "blocks.1.mlp.fc1", "blocks.1.mlp.fc2", "head"), m.linearNames());
    }

    @Test
    void timmMeanPoolingWithFcNorm() {
        ViTForImageClassification m = ViTForImageClassification.load(DIR.resolve("timm-vit-avg"));
        assertEquals(ViTConfig.Pooling.MEAN, m.config().pooling());
        assertEquals(List.of("LABEL_0", "LABEL_1", "LABEL_2", "LABEL_3", "LABEL_4"), m.labels());
        assertClose(m.logits(new ScalarBackend(), expected("pixel_values")), expected("timm_avg_logits"), TOL, "timm avg logits");
    }

    @Test
    void interpolatePosEncodingLikeHf() {
        Backend b = new ScalarBackend();
        ViTForImageClassification m = ViTForImageClassification.load(DIR.resolve("hf-vit-cls"));
        assertClose(m.logits(b, expected("pixel_values_48"), true, ForwardContext.NONE), expected("logits_48"), TOL, "48×48");
        assertClose(m.logits(b, expected("pixel_values_40x24"), true, ForwardContext.NONE), expected("logits_40x24"), TOL, "40×24");
        BadInputException e = assertThrows(BadInputException.class, () -> m.logits(b, expected("pixel_values_48")));
        assertTrue(e.getMessage().contains("doesn't match model (32*32)"), e.getMessage());
    }

    @Test
    void embeddingsOnceThenManyRewrittenModels() {
        Backend b = new ScalarBackend();
        ViTForImageClassification m = ViTForImageClassification.load(DIR.resolve("timm-vit"));
        Tensor px = expected("pixel_values");
        Tensor emb = m.embeddings(b, px);
        assertEquals(List.of(4, 17, 32), List.of(emb.dim(0), emb.dim(1), emb.dim(2)));
        assertClose(m.classifyFromEmbeddings(b, emb, ForwardContext.NONE), expected("logits"), TOL, "from embeddings");

        List<String> seen = new ArrayList<>();
        ViTForImageClassification same = m.withLinears((name, l) -> {
            seen.add(name);
            return l;
        });
        assertEquals(m.linearNames(), seen);
        assertClose(same.classifyFromEmbeddings(b, emb, ForwardContext.NONE), m.classifyFromEmbeddings(b, emb, ForwardContext.NONE), 0f,
                "identity rewrite");

        // doubling fc2 of block 1 must change the logits, and leave the original model alone
        ViTForImageClassification doubled = m.withLinears((name, l) -> !name.equals("blocks.1.mlp.fc2") ? l : new Linear() {
            public int inFeatures() { return l.inFeatures(); }
            public int outFeatures() { return l.outFeatures(); }
            public Tensor forward(Backend be, Tensor x, ForwardContext ctx) { return be.scale(l.forward(be, x, ctx), 2f); }
        });
        float d = VitFixtures.maxAbsDiff(doubled.classifyFromEmbeddings(b, emb, ForwardContext.NONE), expected("logits"));
        assertTrue(d > 1e-3, "rewritten layer had no effect: " + d);
        assertClose(m.logits(b, px), expected("logits"), TOL, "original after rewrite");
    }

    /** timm checkpoints without our vit_arch.json: heads must come from somewhere; timm's hub config.json works. */
    @Test
    void timmHubConfigAndMissingHeads(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Files.copy(DIR.resolve("timm-vit/model.safetensors"), dir.resolve("model.safetensors"));
        BadInputException e = assertThrows(BadInputException.class, () -> ViTForImageClassification.load(dir));
        assertTrue(e.getMessage().contains("num_attention_heads is required"), e.getMessage());
        java.nio.file.Files.writeString(dir.resolve("config.json"), """
                {"architecture": "vit_test_patch8_32", "num_classes": 5, "num_heads": 4, "global_pool": "token",
                 "layer_norm_eps": 1e-12, "label_names": ["a", "b", "c", "d", "e"],
                 "pretrained_cfg": {"input_size": [3, 32, 32], "interpolation": "bicubic", "crop_pct": 0.9,
                                    "mean": [0.5, 0.5, 0.5], "std": [0.5, 0.5, 0.5]}}""");
        ViTForImageClassification m = ViTForImageClassification.load(dir);
        assertEquals(List.of("a", "b", "c", "d", "e"), m.labels());
        assertClose(m.logits(new ScalarBackend(), expected("pixel_values")), expected("logits"), TOL, "timm hub config");
        var proc = io.lora4j.models.image.ViTImageProcessor.forModel(dir, 32);
        assertEquals(35, proc.shortestEdge()); // floor(32 / 0.9), then a 32×32 center crop
        assertEquals(32, proc.preprocess(List.of(new io.lora4j.models.image.RgbImage(40, 50, new byte[40 * 50 * 3]))).dim(3));
    }

    @Test
    void badCheckpointsNameTheProblem() {
        var src = io.lora4j.engine.io.Checkpoints.open(DIR.resolve("hf-vit-cls"));
        ViTConfig cfg = ViTForImageClassification.load(DIR.resolve("hf-vit-cls")).config();
        ViTConfig wrong = new ViTConfig(32, 8, 3, 32, 3, 4, 64, "gelu", 1e-12, true, cfg.labels(), ViTConfig.Naming.HF, ViTConfig.Pooling.CLS);
        BadInputException e = assertThrows(BadInputException.class, () -> ViTForImageClassification.load(src, wrong));
        assertTrue(e.getMessage().contains("missing tensor 'vit.encoder.layer.2.attention.attention.query.weight'"), e.getMessage());
        ViTConfig wrongMlp = new ViTConfig(32, 8, 3, 32, 2, 4, 48, "gelu", 1e-12, true, cfg.labels(), ViTConfig.Naming.HF, ViTConfig.Pooling.CLS);
        e = assertThrows(BadInputException.class, () -> ViTForImageClassification.load(src, wrongMlp));
        assertTrue(e.getMessage().contains("tensor 'vit.encoder.layer.0.intermediate.dense.weight' has shape [64, 32], expected [48, 32]"), e.getMessage());
        assertNotNull(e);
    }
}
