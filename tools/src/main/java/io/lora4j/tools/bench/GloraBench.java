package io.lora4j.tools.bench;

import io.lora4j.adapters.glora.GloraConfig;
import io.lora4j.adapters.glora.GloraLayerConfig;
import io.lora4j.adapters.glora.GloraLayerWeights;
import io.lora4j.adapters.glora.GloraSupernet;
import io.lora4j.adapters.glora.GloraVit;
import io.lora4j.adapters.glora.LayerShape;
import io.lora4j.engine.Backend;
import io.lora4j.engine.BadInputException;
import io.lora4j.engine.Tensor;
import io.lora4j.engine.io.Checkpoints;
import io.lora4j.models.vit.ViTConfig;
import io.lora4j.models.vit.ViTForImageClassification;
import io.lora4j.optim.evolution.SplitMix64;
import io.lora4j.optim.glora.EmbeddedImages;
import io.lora4j.optim.glora.GloraSearchSpace;
import io.lora4j.tools.CommonOptions;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code lora4j bench glora --preset vit-b16}: on a random ViT-B/16 (timm naming, 48 adapted layers) with a
 * random non-zero supernet (R = 4): time to reparameterize all layers (a random configuration and the
 * largest one, all-LoRA), and time to evaluate one candidate (reparameterize + encoder forwards on cached
 * embeddings) on N random 224×224 images.
 */
@Command(name = "glora", mixinStandardHelpOptions = true, description = "GLoRA: reparameterization time (48 layers of ViT-B/16) and one candidate evaluation on N images.")
public final class GloraBench implements Callable<Integer> {
    @Option(names = "--preset", defaultValue = "vit-b16", description = "vit-b16 (default) or vit-tiny (a 2-block test model).") String preset;
    @Option(names = "--images", defaultValue = "200", description = "Images for the candidate evaluation (default ${DEFAULT-VALUE}; 0 skips it).") int images;
    @Option(names = "--batch-size", defaultValue = "50") int batchSize;
    @Option(names = "--repeat", defaultValue = "3", description = "Repetitions of the reparameterization timing (best is reported).") int repeat;

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        ViTConfig c = switch (preset) {
            case "vit-b16" -> ViTConfig.vitBase16(1000, ViTConfig.Naming.TIMM);
            case "vit-tiny" -> new ViTConfig(32, 8, 3, 32, 2, 4, 64, "gelu", 1e-6, true, ViTConfig.vitBase16(10, ViTConfig.Naming.TIMM).labels(),
                    ViTConfig.Naming.TIMM, ViTConfig.Pooling.CLS);
            default -> throw new BadInputException("--preset must be vit-b16 or vit-tiny, got " + preset);
        };
        var out = spec.commandLine().getOut();
        SplitMix64 rng = new SplitMix64(1);
        long t0 = System.nanoTime();
        var weights = Checkpoints.of("random " + preset, timmWeights(c, rng));
        List<LayerShape> layers = GloraVit.adaptedLayers(ViTForImageClassification.load(weights, c));
        Map<String, GloraLayerWeights> sn = new LinkedHashMap<>();
        for (LayerShape s : layers) {
            int o = s.out(), i = s.in();
            sn.put(s.name(), new GloraLayerWeights(s, 4, rand(rng, o, 4), rand(rng, 4, i), rand(rng, o, 4), rand(rng, 4, i), rand(rng, i, 4), rand(rng, 4, 1), rand(rng, o), rand(rng, o)));
        }
        GloraVit g = GloraVit.of(null, weights, c, new GloraSupernet(4, sn, Map.of()));
        double setup = (System.nanoTime() - t0) / 1e9;
        GloraSearchSpace space = new GloraSearchSpace(layers, 4);
        GloraConfig random = space.random(new SplitMix64(7));
        GloraConfig largest = GloraConfig.uniform(layers, GloraLayerConfig.of("LoRA_4", "LoRA_4", "LoRA_4", "vector", "vector"));
        double tRandom = time(() -> g.merged(random)), tLargest = time(() -> g.merged(largest));
        double tEmbed = Double.NaN, tEval = Double.NaN, cpuEval = Double.NaN;
        double c0 = cpuSeconds();
        g.merged(largest);
        double cpuReparam = cpuSeconds() - c0;
        if (images > 0) {
            try (Backend be = common.openBackend()) {
                Tensor pixels = rand(rng, images, 3, c.imageSize(), c.imageSize());
                long e0 = System.nanoTime();
                EmbeddedImages set = EmbeddedImages.ofPixels(g.base(), pixels, new int[images], be, batchSize);
                tEmbed = (System.nanoTime() - e0) / 1e9;
                long v0 = System.nanoTime();
                double e1 = cpuSeconds();
                set.accuracy(g.merged(random), be);
                tEval = (System.nanoTime() - v0) / 1e9;
                cpuEval = cpuSeconds() - e1;
            }
        }
        if (common.json) {
            var m = new com.fasterxml.jackson.databind.ObjectMapper().writerWithDefaultPrettyPrinter();
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("preset", preset);
            r.put("layers", layers.size());
            r.put("reparameterize_random_s", tRandom);
            r.put("reparameterize_largest_s", tLargest);
            r.put("images", images);
            r.put("embed_images_s", tEmbed);
            r.put("evaluate_candidate_s", tEval);
            r.put("evaluate_candidate_cpu_s", cpuEval);
            r.put("reparameterize_largest_cpu_s", cpuReparam);
            r.put("backend", common.backend);
            r.put("threads", common.threadCount());
            out.println(m.writeValueAsString(r));
        } else {
            out.printf(Locale.ROOT, "%s: %d adapted layers, random weights built in %.1f s%n", preset, layers.size(), setup);
            out.printf(Locale.ROOT, "reparameterize all layers: random configuration %.3f s, largest (all LoRA_4) %.3f s (best of %d; %.2f CPU s)%n", tRandom, tLargest, repeat, cpuReparam);
            if (images > 0) {
                out.printf(Locale.ROOT, "embeddings of %d images (once per image set): %.2f s%n", images, tEmbed);
                out.printf(Locale.ROOT, "evaluate one candidate on %d images (reparameterize + encoder + head): %.2f s (%.1f ms/image; %.1f CPU s), backend %s, %d threads%n",
                        images, tEval, 1000 * tEval / images, cpuEval, common.backend, common.threadCount());
            }
        }
        return 0;
    }

    /** CPU seconds of this process so far (all threads), or NaN if the JVM does not report it. */
    static double cpuSeconds() {
        var os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean s ? s.getProcessCpuTime() / 1e9 : Double.NaN;
    }

    private double time(Runnable r) {
        double best = Double.POSITIVE_INFINITY;
        for (int k = 0; k < Math.max(1, repeat); k++) {
            long t = System.nanoTime();
            r.run();
            best = Math.min(best, (System.nanoTime() - t) / 1e9);
        }
        return best;
    }

    static Tensor rand(SplitMix64 rng, int... shape) {
        int n = 1;
        for (int s : shape) n *= s;
        float[] v = new float[n];
        for (int k = 0; k < n; k++) v[k] = (float) (rng.nextDouble() - 0.5) * 0.1f;
        return Tensor.of(v, shape);
    }

    static Map<String, Tensor> timmWeights(ViTConfig c, SplitMix64 rng) {
        Map<String, Tensor> t = new LinkedHashMap<>();
        int d = c.hiddenSize(), p = c.patchSize(), g = c.gridSize(), f = c.intermediateSize();
        t.put("patch_embed.proj.weight", rand(rng, d, 3, p, p));
        t.put("patch_embed.proj.bias", rand(rng, d));
        t.put("cls_token", rand(rng, 1, 1, d));
        t.put("pos_embed", rand(rng, 1, 1 + g * g, d));
        for (int l = 0; l < c.numHiddenLayers(); l++) {
            String b = "blocks." + l + ".";
            for (String n : new String[] {"norm1", "norm2"}) {
                float[] ones = new float[d];
                Arrays.fill(ones, 1f);
                t.put(b + n + ".weight", Tensor.of(ones, d));
                t.put(b + n + ".bias", rand(rng, d));
            }
            t.put(b + "attn.qkv.weight", rand(rng, 3 * d, d));
            t.put(b + "attn.qkv.bias", rand(rng, 3 * d));
            t.put(b + "attn.proj.weight", rand(rng, d, d));
            t.put(b + "attn.proj.bias", rand(rng, d));
            t.put(b + "mlp.fc1.weight", rand(rng, f, d));
            t.put(b + "mlp.fc1.bias", rand(rng, f));
            t.put(b + "mlp.fc2.weight", rand(rng, d, f));
            t.put(b + "mlp.fc2.bias", rand(rng, d));
        }
        float[] ones = new float[d];
        Arrays.fill(ones, 1f);
        t.put("norm.weight", Tensor.of(ones, d));
        t.put("norm.bias", rand(rng, d));
        t.put("head.weight", rand(rng, c.numLabels(), d));
        t.put("head.bias", rand(rng, c.numLabels()));
        return t;
    }
}
