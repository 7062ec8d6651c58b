package io.lora4j.optim.glora;

import io.lora4j.adapters.glora.GloraConfig;
import io.lora4j.adapters.glora.GloraLayerWeights;
import io.lora4j.adapters.glora.GloraSupernet;
import io.lora4j.adapters.glora.GloraVit;
import io.lora4j.adapters.glora.LayerShape;
import io.lora4j.engine.Backend;
import io.lora4j.engine.Tensor;
import io.lora4j.engine.io.Checkpoints;
import io.lora4j.models.vit.ViTConfig;
import io.lora4j.models.vit.ViTForImageClassification;
import io.lora4j.optim.evolution.EvolutionOptions;
import io.lora4j.optim.evolution.EvolutionarySearch;
import io.lora4j.optim.evolution.SearchListener;
import io.lora4j.optim.evolution.SearchResult;
import io.lora4j.optim.evolution.SplitMix64;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The self-contained GLoRA demo: a small seeded ViT (HF naming), a seeded supernet with non-zero
 * tensors, and a hidden planted configuration. Labels of generated images come from the planted GLoRA
 * model; the search sees only a search split and tries to find a configuration that agrees with the
 * planted labels. Reported on a held-out split: agreement of the base model and of the found configuration.
 */
public final class GloraDemo {
    private GloraDemo() {}

    /** Demo settings; {@link #defaults()} runs in seconds. */
    public record Options(long seed, int searchImages, int heldOutImages, int classes, int population, int generations) {
        public static Options defaults() {
            return new Options(0, 100, 100, 5, 20, 10);
        }
    }

    /** What the demo found: agreement with the planted labels on the held-out images. */
    public record Report(double baseAccuracy, double foundAccuracy, double foundSearchAccuracy, double plantedAccuracy,
                         GloraConfig found, GloraConfig planted, long foundParams, long plantedParams, int evaluations, double seconds) {}

    static final int IMAGE = 32, PATCH = 8, HIDDEN = 32, LAYERS = 2, HEADS = 4, INTER = 64, RANK = 4;

    public static Report run(Options o, Backend backend, SearchListener<GloraConfig> progress) {
        long t0 = System.nanoTime();
        SplitMix64 rng = SplitMix64.of(o.seed(), 0x5EED);
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < o.classes(); i++) labels.add("class_" + i);
        ViTConfig cfg = new ViTConfig(IMAGE, PATCH, 3, HIDDEN, LAYERS, HEADS, INTER, "gelu", 1e-6, true, labels, ViTConfig.Naming.HF, ViTConfig.Pooling.CLS);
        var weights = Checkpoints.of("demo ViT (seed " + o.seed() + ")", vitWeights(cfg, rng));
        List<LayerShape> layers = GloraVit.adaptedLayers(ViTForImageClassification.load(weights, cfg));
        Map<String, GloraLayerWeights> sn = new LinkedHashMap<>();
        for (LayerShape s : layers) sn.put(s.name(), supernetLayer(s, rng));
        GloraVit glora = GloraVit.of(null, weights, cfg, new GloraSupernet(RANK, sn, Map.of()));
        GloraSearchSpace space = new GloraSearchSpace(layers, RANK);
        GloraConfig planted = space.random(rng);

        int n = o.searchImages() + o.heldOutImages();
        Tensor pixels = gaussian(rng, 1f, n, 3, IMAGE, IMAGE);
        int[] none = new int[n];
        EmbeddedImages all = EmbeddedImages.ofPixels(glora.base(), pixels, none, backend, 100);
        int[] y = all.predict(glora.merged(planted), backend);
        EmbeddedImages search = EmbeddedImages.ofPixels(glora.base(), pixels.narrow(0, 0, o.searchImages()).contiguous(),
                java.util.Arrays.copyOfRange(y, 0, o.searchImages()), backend, 100);
        EmbeddedImages held = EmbeddedImages.ofPixels(glora.base(), pixels.narrow(0, o.searchImages(), o.heldOutImages()).contiguous(),
                java.util.Arrays.copyOfRange(y, o.searchImages(), n), backend, 100);

        EvolutionOptions eo = new EvolutionOptions(o.population(), o.generations(), 10, o.population() / 2, 0.2, o.population() / 2, 250,
                Long.MAX_VALUE / 4, 0, o.seed());
        SearchResult<GloraConfig> r = new EvolutionarySearch<>(space, new GloraFitness(glora, search, backend), eo).run(progress);
        GloraConfig found = r.best().candidate();
        return new Report(held.accuracy(glora.base(), backend), held.accuracy(glora.merged(found), backend), r.best().fitness(),
                held.accuracy(glora.merged(planted), backend), found, planted, r.best().params(), space.paramCount(planted),
                r.evaluated().size(), (System.nanoTime() - t0) / 1e9);
    }

    private static GloraLayerWeights supernetLayer(LayerShape s, SplitMix64 rng) {
        int o = s.out(), i = s.in();
        float sc = 0.5f;
        return new GloraLayerWeights(s, RANK, gaussian(rng, sc, o, RANK), gaussian(rng, sc, RANK, i), gaussian(rng, 0.1f, o, RANK),
                gaussian(rng, sc, RANK, i), gaussian(rng, 0.1f, i, RANK), gaussian(rng, sc, RANK, 1), gaussian(rng, sc, o), gaussian(rng, sc, o));
    }

    private static Map<String, Tensor> vitWeights(ViTConfig c, SplitMix64 rng) {
        Map<String, Tensor> t = new LinkedHashMap<>();
        int d = c.hiddenSize(), p = c.patchSize(), g = c.gridSize();
        t.put("vit.embeddings.cls_token", gaussian(rng, 0.5f, 1, 1, d));
        t.put("vit.embeddings.position_embeddings", gaussian(rng, 0.5f, 1, 1 + g * g, d));
        t.put("vit.embeddings.patch_embeddings.projection.weight", gaussian(rng, 0.2f, d, 3, p, p));
        t.put("vit.embeddings.patch_embeddings.projection.bias", gaussian(rng, 0.1f, d));
        for (int l = 0; l < c.numHiddenLayers(); l++) {
            String pre = "vit.encoder.layer." + l + ".";
            for (String n : new String[] {"attention.attention.query", "attention.attention.key", "attention.attention.value", "attention.output.dense"}) {
                t.put(pre + n + ".weight", gaussian(rng, (float) (1 / Math.sqrt(d)), d, d));
                t.put(pre + n + ".bias", gaussian(rng, 0.1f, d));
            }
            t.put(pre + "intermediate.dense.weight", gaussian(rng, (float) (1 / Math.sqrt(d)), c.intermediateSize(), d));
            t.put(pre + "intermediate.dense.bias", gaussian(rng, 0.1f, c.intermediateSize()));
            t.put(pre + "output.dense.weight", gaussian(rng, (float) (1 / Math.sqrt(c.intermediateSize())), d, c.intermediateSize()));
            t.put(pre + "output.dense.bias", gaussian(rng, 0.1f, d));
            for (String n : new String[] {"layernorm_before", "layernorm_after"}) {
                t.put(pre + n + ".weight", plusOne(gaussian(rng, 0.1f, d)));
                t.put(pre + n + ".bias", gaussian(rng, 0.1f, d));
            }
        }
        t.put("vit.layernorm.weight", plusOne(gaussian(rng, 0.1f, d)));
        t.put("vit.layernorm.bias", gaussian(rng, 0.1f, d));
        t.put("classifier.weight", gaussian(rng, 1f, c.numLabels(), d));
        t.put("classifier.bias", gaussian(rng, 0.1f, c.numLabels()));
        return t;
    }

    private static Tensor plusOne(Tensor t) {
        float[] a = t.array();
        for (int k = 0; k < a.length; k++) a[k] += 1;
        return t;
    }

    /** Normal(0, scale²) entries (Box–Muller over the seeded stream). */
    static Tensor gaussian(SplitMix64 rng, float scale, int... shape) {
        int n = 1;
        for (int s : shape) n *= s;
        float[] v = new float[n];
        for (int k = 0; k < n; k += 2) {
            double u1 = Math.max(rng.nextDouble(), 1e-300), u2 = rng.nextDouble();
            double r = Math.sqrt(-2 * Math.log(u1));
            v[k] = (float) (scale * r * Math.cos(2 * Math.PI * u2));
            if (k + 1 < n) v[k + 1] = (float) (scale * r * Math.sin(2 * Math.PI * u2));
        }
        return Tensor.of(v, shape);
    }
}
