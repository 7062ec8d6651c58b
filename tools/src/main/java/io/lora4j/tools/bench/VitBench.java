package io.lora4j.tools.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lora4j.engine.Backend;
import io.lora4j.engine.BadInputException;
import io.lora4j.engine.Tensor;
import io.lora4j.engine.io.Checkpoints;
import io.lora4j.models.vit.ViTConfig;
import io.lora4j.models.vit.ViTForImageClassification;
import io.lora4j.tools.CommonOptions;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code lora4j bench vit}: seconds per forward pass (pixels → logits) of a randomly initialized ViT at a
 * preset's dimensions. Compare with tools/reference/bench_vit_torch.py run on the same machine.
 */
@Command(name = "vit", mixinStandardHelpOptions = true,
        description = {"ViT forward-pass benchmark on random weights (F32): median wall-clock seconds per batch, and the",
                "process CPU seconds per batch (a fairer figure on a loaded machine).",
                "PyTorch's time for the same shapes: tools/reference/bench_vit_torch.py."})
public final class VitBench implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--preset", defaultValue = "vit-b16", paramLabel = "NAME",
            description = "vit-b16 (ViT-B/16, 224², 1000 labels), vit-s16, vit-ti16, or tiny (a 2-layer test model). Default: ${DEFAULT-VALUE}.")
    String preset;

    @Option(names = "--batch", defaultValue = "8", paramLabel = "B", description = "Images per batch (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--warmup", defaultValue = "1", paramLabel = "N", description = "Untimed passes first (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--iterations", defaultValue = "3", paramLabel = "N", description = "Timed passes (default: ${DEFAULT-VALUE}).")
    int iterations;

    @Option(names = "--timm", description = "Use timm naming (fused qkv) instead of HF's separate q/k/v.")
    boolean timm;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the random weights and pixels.")
    long seed;

    static ViTConfig preset(String name, boolean timm) {
        ViTConfig.Naming n = timm ? ViTConfig.Naming.TIMM : ViTConfig.Naming.HF;
        ViTConfig b = ViTConfig.vitBase16(1000, n);
        return switch (name) {
            case "vit-b16" -> b;
            case "vit-s16" -> new ViTConfig(224, 16, 3, 384, 12, 6, 1536, "gelu", b.layerNormEps(), true, b.labels(), n, ViTConfig.Pooling.CLS);
            case "vit-ti16" -> new ViTConfig(224, 16, 3, 192, 12, 3, 768, "gelu", b.layerNormEps(), true, b.labels(), n, ViTConfig.Pooling.CLS);
            case "tiny" -> new ViTConfig(32, 8, 3, 32, 2, 4, 64, "gelu", b.layerNormEps(), true, b.labels().subList(0, 10), n, ViTConfig.Pooling.CLS);
            default -> throw new BadInputException("unknown --preset '" + name + "' (vit-b16, vit-s16, vit-ti16, tiny)");
        };
    }

    /** Random weights (N(0, 0.02), LayerNorm γ = 1, β = 0) under the names {@code c.naming()} uses. */
    static Map<String, Tensor> randomWeights(ViTConfig c, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Map<String, Tensor> w = new LinkedHashMap<>();
        int d = c.hiddenSize(), p = c.patchSize(), g = c.gridSize(), in = c.intermediateSize();
        boolean timm = c.naming() == ViTConfig.Naming.TIMM;
        String pre = timm ? "" : "vit.";
        w.put(timm ? "cls_token" : pre + "embeddings.cls_token", rand(r, 1, 1, d));
        w.put(timm ? "pos_embed" : pre + "embeddings.position_embeddings", rand(r, 1, 1 + g * g, d));
        String pe = timm ? "patch_embed.proj" : pre + "embeddings.patch_embeddings.projection";
        w.put(pe + ".weight", rand(r, d, c.numChannels(), p, p));
        w.put(pe + ".bias", Tensor.zeros(d));
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            String l = timm ? "blocks." + i + "." : pre + "encoder.layer." + i + ".";
            norm(w, l + (timm ? "norm1" : "layernorm_before"), d);
            norm(w, l + (timm ? "norm2" : "layernorm_after"), d);
            if (timm) linear(w, r, l + "attn.qkv", 3 * d, d);
            else for (String q : List.of("query", "key", "value")) linear(w, r, l + "attention.attention." + q, d, d);
            linear(w, r, l + (timm ? "attn.proj" : "attention.output.dense"), d, d);
            linear(w, r, l + (timm ? "mlp.fc1" : "intermediate.dense"), in, d);
            linear(w, r, l + (timm ? "mlp.fc2" : "output.dense"), d, in);
        }
        norm(w, timm ? "norm" : pre + "layernorm", d);
        linear(w, r, timm ? "head" : "classifier", c.numLabels(), d);
        return w;
    }

    private static Tensor rand(SplittableRandom r, int... shape) {
        Tensor t = Tensor.zeros(shape);
        float[] a = t.array();
        for (int i = 0; i < a.length; i++) a[i] = (float) (r.nextGaussian() * 0.02);
        return t;
    }

    private static void linear(Map<String, Tensor> w, SplittableRandom r, String name, int out, int in) {
        w.put(name + ".weight", rand(r, out, in));
        w.put(name + ".bias", Tensor.zeros(out));
    }

    private static void norm(Map<String, Tensor> w, String name, int d) {
        float[] one = new float[d];
        Arrays.fill(one, 1f);
        w.put(name + ".weight", Tensor.of(one, d));
        w.put(name + ".bias", Tensor.zeros(d));
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    @Override
    public Integer call() throws Exception {
        if (batch < 1 || iterations < 1 || warmup < 0) throw new BadInputException("--batch and --iterations must be ≥ 1, --warmup ≥ 0");
        ViTConfig c = preset(preset, timm);
        ViTForImageClassification m = ViTForImageClassification.load(Checkpoints.of("random " + preset, randomWeights(c, seed)), c);
        Tensor px = rand(new SplittableRandom(seed + 1), batch, 3, c.imageSize(), c.imageSize());
        double[] secs = new double[iterations], cpu = new double[iterations];
        var os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        com.sun.management.OperatingSystemMXBean sun = os instanceof com.sun.management.OperatingSystemMXBean x ? x : null;
        try (Backend backend = common.openBackend()) {
            // logits read on the host (array()): a device backend that defers work (tornadovm) then runs it; free on the CPU
            for (int i = 0; i < warmup; i++) m.logits(backend, px).array();
            for (int i = 0; i < iterations; i++) {
                long c0 = sun == null ? 0 : sun.getProcessCpuTime();
                long t0 = System.nanoTime();
                m.logits(backend, px).array();
                secs[i] = (System.nanoTime() - t0) / 1e9;
                cpu[i] = sun == null ? Double.NaN : (sun.getProcessCpuTime() - c0) / 1e9;
            }
            double median = median(secs), cpuMedian = median(cpu);
            PrintWriter out = spec.commandLine().getOut();
            if (common.json) {
                ObjectNode j = new ObjectMapper().createObjectNode();
                j.put("bench", "vit").put("preset", preset).put("naming", c.naming().toString()).put("batch", batch)
                        .put("image_size", c.imageSize()).put("backend", backend.name()).put("threads", backend.threads())
                        .put("median_s", median).put("images_per_s", batch / median).put("median_cpu_s", cpuMedian);
                j.putPOJO("seconds", secs);
                j.putPOJO("cpu_seconds", cpu);
                out.println(j.toString());
            } else {
                out.printf(Locale.ROOT, "vit %s (%s naming): batch %d at %d×%d, backend %s, %d threads: median %.3f s per batch (%.1f images/s), "
                                + "process CPU %.3f s per batch; runs %s%n",
                        preset, c.naming(), batch, c.imageSize(), c.imageSize(), backend.name(), backend.threads(), median, batch / median,
                        cpuMedian, Arrays.toString(Arrays.stream(secs).map(s -> Math.round(s * 1000) / 1000.0).toArray()));
            }
            out.flush();
        }
        return 0;
    }
}
