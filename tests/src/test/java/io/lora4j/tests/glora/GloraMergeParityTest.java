package io.lora4j.tests.glora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lora4j.adapters.glora.GloraConfig;
import io.lora4j.adapters.glora.GloraLinear;
import io.lora4j.adapters.glora.GloraMerge;
import io.lora4j.adapters.glora.GloraSupernet;
import io.lora4j.adapters.glora.LayerShape;
import io.lora4j.engine.Backend;
import io.lora4j.tests.TestBackends;
import io.lora4j.engine.Tensor;
import io.lora4j.engine.io.SafetensorsFile;
import io.lora4j.engine.io.TensorSource;
import io.lora4j.models.nn.DenseLinear;
import io.lora4j.models.nn.ForwardContext;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Merged W/b of every adapted layer of the tiny ViT fixture, for several configurations covering every
 * mode, against tools/reference/glora_fixtures.py (PyTorch, METHODS.md formulas); and the training form
 * of each layer against its merged form. Tolerance 1e-5 relative (F32, different summation order).
 */
class GloraMergeParityTest {
    static final Path FIX = Path.of("fixtures/glora");

    static List<LayerShape> adaptedLayers(TensorSource model) {
        List<LayerShape> l = new ArrayList<>();
        for (String n : model.names()) {
            if (!n.endsWith(".weight")) continue;
            Tensor w = model.get(n);
            String layer = n.substring(0, n.length() - ".weight".length());
            if (w.rank() == 2 && GloraSupernet.isAdapted(layer)) l.add(new LayerShape(layer, w.dim(0), w.dim(1)));
        }
        return l;
    }

    static void assertClose(Tensor expect, Tensor got, double tol, String what) {
        assertEquals(java.util.Arrays.toString(expect.shape()), java.util.Arrays.toString(got.shape()), what);
        float[] e = expect.toFloatArray(), g = got.toFloatArray();
        for (int k = 0; k < e.length; k++) {
            assertTrue(Math.abs(e[k] - g[k]) <= tol * (1 + Math.abs(e[k])), what + "[" + k + "]: expected " + e[k] + ", got " + g[k]);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"hf", "timm"})
    void mergedWeightsMatchPyTorch(String layout) {
        Path dir = FIX.resolve(layout);
        try (SafetensorsFile model = SafetensorsFile.open(dir.resolve("model.safetensors"));
             SafetensorsFile sn = SafetensorsFile.open(dir.resolve("supernet.safetensors"));
             SafetensorsFile exp = SafetensorsFile.open(dir.resolve("expected.safetensors"))) {
            List<LayerShape> layers = adaptedLayers(model);
            assertEquals(layout.equals("hf") ? 12 : 8, layers.size(), "adapted layers of the 2-block ViT");
            GloraSupernet supernet = GloraSupernet.read(sn, layers);
            assertEquals(4, supernet.rank());
            assertEquals(2, supernet.extra().size(), "the new head");
            Backend be = TestBackends.shared(); // scalar unless -Dlora4j.test.backend (e.g. -Ptornadovm)
            java.util.Random r = new java.util.Random(1);
            for (int k = 0; k < 4; k++) {
                GloraConfig cfg = GloraConfig.read(dir.resolve("configs/cfg" + k + ".json"));
                Map<String, Tensor> merged = GloraMerge.mergedTensors(model, supernet, cfg);
                for (LayerShape l : layers) {
                    assertClose(exp.get("cfg" + k + "." + l.name() + ".weight"), merged.get(l.name() + ".weight"), 1e-5, layout + " cfg" + k + " " + l.name() + ".weight");
                    assertClose(exp.get("cfg" + k + "." + l.name() + ".bias"), merged.get(l.name() + ".bias"), 1e-5, layout + " cfg" + k + " " + l.name() + ".bias");
                    // training form == reparameterized form on random inputs
                    float[] xs = new float[5 * l.in()];
                    for (int i = 0; i < xs.length; i++) xs[i] = (float) r.nextGaussian();
                    Tensor in = Tensor.of(xs, 5, l.in());
                    GloraLinear g = GloraLinear.of(l.name(), new DenseLinear(model.get(l.name() + ".weight"), model.get(l.name() + ".bias")),
                            supernet.layers().get(l.name()), cfg.get(l.name()));
                    DenseLinear viaBackend = g.reparameterize(be); // W_uni through Backend.gloraWeight (the device with -Ptornadovm)
                    assertClose(exp.get("cfg" + k + "." + l.name() + ".weight"), viaBackend.weight(), 1e-5, layout + " cfg" + k + " " + l.name() + ".weight via backend");
                    assertClose(exp.get("cfg" + k + "." + l.name() + ".bias"), viaBackend.bias(), 1e-5, layout + " cfg" + k + " " + l.name() + ".bias via backend");
                    assertClose(new DenseLinear(merged.get(l.name() + ".weight"), merged.get(l.name() + ".bias")).forward(be, in, ForwardContext.NONE),
                            g.forward(be, in, ForwardContext.NONE), 1e-4, layout + " cfg" + k + " " + l.name() + " training form");
                }
                String head = layout.equals("hf") ? "classifier" : "head";
                assertClose(sn.get(head + ".weight"), merged.get(head + ".weight"), 0, "supernet head replaces the base head");
            }
        }
    }
}
