package io.lora4j.tests.lora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lora4j.adapters.lora.LoraAdapter;
import io.lora4j.adapters.lorahub.LoraHubBatch;
import io.lora4j.adapters.lorahub.LoraHubComposer;
import io.lora4j.engine.Backend;
import io.lora4j.engine.Tensor;
import io.lora4j.models.t5.T5ForConditionalGeneration;
import io.lora4j.optim.lorahub.LoraHubLoss;
import io.lora4j.optim.lorahub.LossNormalization;
import io.lora4j.tests.TestBackends;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The batched LoRAHub objective (P candidates in one forward pass, each candidate's composed factors on its own rows)
 * against the one-by-one path and against PEFT (tools/reference/lora_fixtures.py: the composition with w = hub.weights
 * applied by set_peft_model_state_dict; base = w 0). The fixture's five examples have ragged inputs (2..8 tokens) and
 * labels (2..4 tokens), so every batch is padded.
 */
class LoraHubBatchParityTest {
    static final T5ForConditionalGeneration BASE = LoraT5ParityTest.BASE;
    final Backend be = TestBackends.shared();

    static LoraHubComposer composer() {
        List<LoraAdapter> mods = new ArrayList<>();
        for (var n : LoraFixtures.META.path("hub").path("modules")) mods.add(LoraAdapter.load(LoraFixtures.adapter(n.asText())));
        return new LoraHubComposer(mods);
    }

    static double[] fixtureWeights() {
        var w = LoraFixtures.META.path("hub").path("weights");
        double[] out = new double[w.size()];
        for (int i = 0; i < out.length; i++) out[i] = w.get(i).asDouble();
        return out;
    }

    static int[][] field(String f) {
        var ex = LoraFixtures.META.path("hub").path("examples");
        int[][] out = new int[ex.size()][];
        for (int i = 0; i < out.length; i++) {
            var n = ex.get(i).path(f);
            out[i] = new int[n.size()];
            for (int j = 0; j < out[i].length; j++) out[i][j] = n.get(j).asInt();
        }
        return out;
    }

    /** A population of different w: the fixture's, the base (0), and three others incl. negative and out-of-scale ones. */
    static double[][] population() {
        return new double[][] {{0.3, 0.1, -0.7}, fixtureWeights(), {0, 0, 0}, {-1.5, 1.5, 0.25}, {1.1, -0.2, 0.9}};
    }

    static void assertRel(double expected, double got, double rel, String what) {
        assertTrue(Math.abs(expected - got) <= rel * Math.abs(expected), what + ": expected " + expected + ", got " + got);
    }

    @ParameterizedTest(name = "{0}, batch size {1}, up to {2} candidates per forward")
    @CsvSource({"REFERENCE, 5, 0", "TOKEN_MEAN, 5, 0", "REFERENCE, 2, 0", "TOKEN_MEAN, 3, 2", "REFERENCE, 5, 1"})
    void batchedLossesEqualSequentialOnes(LossNormalization norm, int batchSize, int perForward) {
        LoraHubLoss loss = new LoraHubLoss(be, BASE, composer(), field("input_ids"), field("labels"), batchSize, norm);
        double[][] ws = population();
        double[] got = loss.losses(ws, perForward);
        assertEquals(ws.length, got.length);
        for (int c = 0; c < ws.length; c++) assertRel(loss.loss(ws[c]), got[c], 1e-5, "candidate " + c);
    }

    @Test
    void batchedLossEqualsPeft() {
        var hub = LoraFixtures.META.path("hub");
        LoraHubLoss loss = new LoraHubLoss(be, BASE, composer(), field("input_ids"), field("labels"), 5, LossNormalization.REFERENCE);
        double[] got = loss.losses(population());
        assertEquals(hub.path("loss").asDouble(), got[1], 2e-5, "fixture weights");
        assertEquals(hub.path("base_loss").asDouble(), got[2], 2e-5, "w = 0 is the base model");
    }

    @Test
    void eachCandidatesFactorsReachOnlyItsOwnRows() {
        LoraHubComposer hub = composer();
        T5ForConditionalGeneration m = BASE.withLinears(hub.batchRewriter());
        int[][] enc = LoraT5ParityTest.ids("enc_ids"), dec = LoraT5ParityTest.ids("dec_ids");
        int b = enc.length;
        double[][] ws = {new double[3], fixtureWeights(), {0.5, 0.5, 0.5}};
        int[][] se = new int[3 * b][], sd = new int[3 * b][];
        for (int c = 0; c < 3; c++) {
            System.arraycopy(enc, 0, se, c * b, b);
            System.arraycopy(dec, 0, sd, c * b, b);
        }
        LoraHubBatch batch = hub.composeBatch(be, ws);
        Tensor logits = m.logits(be, se, null, sd, batch.context());
        LoraT5ParityTest.assertLogits("base.logits", logits.narrow(0, 0, b));
        LoraT5ParityTest.assertLogits("hub.logits", logits.narrow(0, b, b));
        // without a batch in the context the rewritten model is the base model
        LoraT5ParityTest.assertLogits("base.logits", m.logits(be, enc, null, dec, io.lora4j.models.nn.ForwardContext.NONE));
        // rows that do not split into the candidates' groups are an error, not a silent mix-up
        assertThrows(IllegalArgumentException.class, () -> m.logits(be, enc, null, dec, hub.composeBatch(be, new double[b + 1][3]).context()));
    }
}
