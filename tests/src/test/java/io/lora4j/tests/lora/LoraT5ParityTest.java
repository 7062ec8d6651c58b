package io.lora4j.tests.lora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lora4j.adapters.lora.LoraAdapter;
import io.lora4j.adapters.lora.LoraMerge;
import io.lora4j.adapters.lorahub.LoraHubComposer;
import io.lora4j.engine.Backend;
import io.lora4j.engine.Tensor;
import io.lora4j.models.nn.ForwardContext;
import io.lora4j.models.t5.T5ForConditionalGeneration;
import io.lora4j.tests.TestBackends;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * LoRA applied to the Java T5 vs PEFT (tools/reference/lora_fixtures.py): logits unmerged (PeftModel) and merged
 * (merge_and_unload), the LoRAHub composition's logits (set_peft_model_state_dict with Σ wᵢ·state_dictᵢ) and the
 * LoRAHub loss. Logits tolerance 2e-4 absolute (values up to ~8, float32 through 4 layers).
 */
class LoraT5ParityTest {
    static final T5ForConditionalGeneration BASE = T5ForConditionalGeneration.load(LoraFixtures.MODEL);
    final Backend be = TestBackends.shared();

    static int[][] ids(String field) {
        var n = LoraFixtures.META.path(field);
        int[][] out = new int[n.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = new int[n.get(i).size()];
            for (int j = 0; j < out[i].length; j++) out[i][j] = n.get(i).get(j).asInt();
        }
        return out;
    }

    static void assertLogits(String key, Tensor got) {
        float d = LoraFixtures.maxAbsDiff(LoraFixtures.expected(key).toFloatArray(), got.toFloatArray());
        assertTrue(d < 2e-4f, key + ": max |diff| " + d);
    }

    Tensor logits(T5ForConditionalGeneration m) {
        return m.logits(be, ids("enc_ids"), null, ids("dec_ids"), ForwardContext.NONE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"plain", "rslora", "pattern", "regex", "layers", "bin"})
    void unmergedAndMergedLogitsMatchPeft(String name) {
        LoraAdapter a = LoraAdapter.load(LoraFixtures.adapter(name));
        LoraMerge.Rewriter unmerged = LoraMerge.rewriter(be, List.of(a), false);
        T5ForConditionalGeneration mu = BASE.withLinears(unmerged);
        unmerged.checkAllApplied();
        assertLogits(name + ".logits", logits(mu));
        T5ForConditionalGeneration mm = BASE.withLinears(LoraMerge.rewriter(be, List.of(a), true));
        assertLogits(name + ".merged_logits", logits(mm));
    }

    @Test
    void baseLogitsMatch() {
        assertLogits("base.logits", logits(BASE));
    }

    @Test
    void loraHubCompositionLogitsAndLossMatch() {
        var hub = LoraFixtures.META.path("hub");
        List<LoraAdapter> mods = new ArrayList<>();
        for (var n : hub.path("modules")) mods.add(LoraAdapter.load(LoraFixtures.adapter(n.asText())));
        double[] w = new double[mods.size()];
        for (int i = 0; i < w.length; i++) w[i] = hub.path("weights").get(i).asDouble();
        LoraAdapter c = new LoraHubComposer(mods).compose(w);
        T5ForConditionalGeneration m = BASE.withLinears(LoraMerge.rewriter(be, List.of(c), false));
        assertLogits("hub.logits", logits(m));
        int n = hub.path("examples").size();
        int[][] in = new int[n][], out = new int[n][];
        for (int i = 0; i < n; i++) {
            var e = hub.path("examples").get(i);
            in[i] = new int[e.path("input_ids").size()];
            for (int j = 0; j < in[i].length; j++) in[i][j] = e.path("input_ids").get(j).asInt();
            out[i] = new int[e.path("labels").size()];
            for (int j = 0; j < out[i].length; j++) out[i][j] = e.path("labels").get(j).asInt();
        }
        double batchCe = m.score(be, in, out, ForwardContext.NONE).batchLoss();
        assertEquals(hub.path("batch_token_mean_ce").asDouble(), batchCe, 1e-4);
        assertEquals(hub.path("loss").asDouble(), batchCe / n, 2e-5);
    }
}
