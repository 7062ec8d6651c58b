package io.lora4j.tools.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lora4j.engine.Backend;
import io.lora4j.engine.BadInputException;
import io.lora4j.engine.DType;
import io.lora4j.engine.Tensor;
import io.lora4j.engine.io.Checkpoints;
import io.lora4j.models.nn.ForwardContext;
import io.lora4j.models.t5.GenerationConfig;
import io.lora4j.models.t5.GenerationResult;
import io.lora4j.models.t5.T5Config;
import io.lora4j.models.t5.T5ForConditionalGeneration;
import io.lora4j.tools.CommonOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code lora4j bench t5}: the two workloads LoRAHub needs, on random weights of a FLAN-T5 shape built in memory:
 * the loss pass (5 examples × 128 input tokens × 8 target tokens, teacher-forced CE) and greedy decoding (batch 1,
 * 128-token input, 32 new tokens). Compare with tools/reference/bench_t5_torch.py on the same machine.
 */
@Command(name = "t5", mixinStandardHelpOptions = true,
        description = {"T5 benchmark on random weights: LoRAHub loss pass (5×128 in, 8 out) and greedy decoding (1×128 in, 32 new tokens).",
                "PyTorch's figures for the same shapes: tools/reference/bench_t5_torch.py."})
public final class T5Bench implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--preset", defaultValue = "flan-t5-large", paramLabel = "NAME",
            description = "flan-t5-large (default), flan-t5-base, flan-t5-small, or tiny.")
    String preset;

    @Option(names = "--dtype", defaultValue = "f32", paramLabel = "f32|bf16", description = "Weight storage dtype (compute is F32). Default ${DEFAULT-VALUE}.")
    String dtype;

    @Option(names = "--what", defaultValue = "all", paramLabel = "all|loss|greedy", description = "Which workload (default ${DEFAULT-VALUE}).")
    String what;

    @Option(names = "--examples", defaultValue = "5", description = "Loss pass: examples (default ${DEFAULT-VALUE}).")
    int examples;

    @Option(names = "--input-tokens", defaultValue = "128", description = "Input tokens per example (default ${DEFAULT-VALUE}).")
    int inputTokens;

    @Option(names = "--target-tokens", defaultValue = "8", description = "Loss pass: target tokens per example (default ${DEFAULT-VALUE}).")
    int targetTokens;

    @Option(names = "--new-tokens", defaultValue = "32", description = "Greedy: tokens to generate (default ${DEFAULT-VALUE}).")
    int newTokens;

    @Option(names = "--iterations", defaultValue = "3", description = "Timed runs of each workload; the median is reported (default ${DEFAULT-VALUE}).")
    int iterations;

    @Option(names = "--warmup", defaultValue = "2", description = "Untimed runs first (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of weights and token ids.")
    long seed;

    @Option(names = "--bandwidth-mb", defaultValue = "256", paramLabel = "MB",
            description = "Size of the native array summed for the host's read bandwidth, measured before the weights are built "
                    + "and after the peak RSS is read, so it adds nothing to it (default ${DEFAULT-VALUE}; 0 skips it).")
    int bandwidthMb;

    static T5Config preset(String name) {
        String json = switch (name) {
            case "flan-t5-large" -> "{\"d_model\":1024,\"d_kv\":64,\"num_heads\":16,\"d_ff\":2816,\"num_layers\":24}";
            case "flan-t5-base" -> "{\"d_model\":768,\"d_kv\":64,\"num_heads\":12,\"d_ff\":2048,\"num_layers\":12}";
            case "flan-t5-small" -> "{\"d_model\":512,\"d_kv\":64,\"num_heads\":6,\"d_ff\":1024,\"num_layers\":8}";
            case "tiny" -> "{\"d_model\":64,\"d_kv\":16,\"num_heads\":4,\"d_ff\":128,\"num_layers\":2,\"vocab_size\":512}";
            default -> throw new BadInputException("unknown --preset '" + name + "' (flan-t5-large, flan-t5-base, flan-t5-small, tiny)");
        };
        try {
            var node = (ObjectNode) new ObjectMapper().readTree(json);
            node.put("feed_forward_proj", "gated-gelu").put("tie_word_embeddings", false).put("decoder_start_token_id", 0);
            if (!node.has("vocab_size")) node.put("vocab_size", 32128);
            return T5Config.fromJson(node, "preset " + name);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every tensor of a T5 checkpoint with the config's shapes, random uniform (norms near 1), in {@code dtype}. */
    static Map<String, Tensor> randomWeights(T5Config c, DType dtype, long seed) {
        Map<String, int[]> shapes = new LinkedHashMap<>();
        shapes.put("shared.weight", new int[] {c.vocabSize(), c.dModel()});
        shapes.put("lm_head.weight", new int[] {c.vocabSize(), c.dModel()});
        for (String p : new String[] {"encoder", "decoder"}) {
            boolean dec = p.equals("decoder");
            for (int i = 0; i < (dec ? c.numDecoderLayers() : c.numLayers()); i++) {
                String b = p + ".block." + i + ".layer.";
                attention(shapes, c, b + "0.SelfAttention");
                if (i == 0) shapes.put(b + "0.SelfAttention.relative_attention_bias.weight", new int[] {c.relativeAttentionNumBuckets(), c.numHeads()});
                shapes.put(b + "0.layer_norm.weight", new int[] {c.dModel()});
                int ff = 1;
                if (dec) {
                    attention(shapes, c, b + "1.EncDecAttention");
                    shapes.put(b + "1.layer_norm.weight", new int[] {c.dModel()});
                    ff = 2;
                }
                shapes.put(b + ff + ".DenseReluDense.wi_0.weight", new int[] {c.dFf(), c.dModel()});
                shapes.put(b + ff + ".DenseReluDense.wi_1.weight", new int[] {c.dFf(), c.dModel()});
                shapes.put(b + ff + ".DenseReluDense.wo.weight", new int[] {c.dModel(), c.dFf()});
                shapes.put(b + ff + ".layer_norm.weight", new int[] {c.dModel()});
            }
            shapes.put(p + ".final_layer_norm.weight", new int[] {c.dModel()});
        }
        Map<String, Tensor> w = new LinkedHashMap<>();
        long s = seed;
        for (var e : shapes.entrySet()) {
            boolean norm = e.getKey().contains("layer_norm");
            int[] shape = e.getValue();
            float scale = norm ? 0.1f : (float) (1.0 / Math.sqrt(shape[shape.length - 1]));
            w.put(e.getKey(), random(shape, dtype, norm ? 1f : 0f, scale, s++));
        }
        return w;
    }

    private static void attention(Map<String, int[]> s, T5Config c, String p) {
        for (String n : new String[] {"q", "k", "v"}) s.put(p + "." + n + ".weight", new int[] {c.innerDim(), c.dModel()});
        s.put(p + ".o.weight", new int[] {c.dModel(), c.innerDim()});
    }

    /** center + uniform(-scale, scale)·√3, filled in parallel by rows; BF16 goes to native memory like a mapped file. */
    private static Tensor random(int[] shape, DType dtype, float center, float scale, long seed) {
        int n = 1;
        for (int d : shape) n *= d;
        int rows = shape[0], cols = n / rows;
        float a = scale * (float) Math.sqrt(3);
        if (dtype == DType.F32) {
            float[] v = new float[n];
            IntStream.range(0, rows).parallel().forEach(r -> {
                SplittableRandom rnd = new SplittableRandom(seed * 1_000_003L + r);
                for (int j = 0; j < cols; j++) v[r * cols + j] = center + a * (float) (2 * rnd.nextDouble() - 1);
            });
            return Tensor.of(v, shape);
        }
        MemorySegment seg = Arena.ofAuto().allocate((long) n * 2, 64);
        IntStream.range(0, rows).parallel().forEach(r -> {
            SplittableRandom rnd = new SplittableRandom(seed * 1_000_003L + r);
            for (int j = 0; j < cols; j++) {
                float f = center + a * (float) (2 * rnd.nextDouble() - 1);
                seg.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, (long) r * cols + j, Tensor.floatToBf16(f));
            }
        });
        return Tensor.ofSegment(seg, DType.BF16, shape);
    }

    private static int[][] ids(SplittableRandom r, int rows, int len, int vocab) {
        int[][] ids = new int[rows][len];
        for (int[] row : ids) {
            for (int j = 0; j < len - 1; j++) row[j] = 2 + r.nextInt(vocab - 2);
            row[len - 1] = 1;
        }
        return ids;
    }

    /**
     * Weight bytes a decoding step reads: every decoder matrix except the cross-attention k/v (computed once per
     * input, not per token) and the relative-position table, plus the LM head.
     */
    static long decoderBytesPerToken(Map<String, Tensor> w) {
        long b = 0;
        for (var e : w.entrySet()) {
            String n = e.getKey();
            boolean perToken = n.equals("lm_head.weight") || n.startsWith("decoder.") && e.getValue().rank() == 2
                    && !n.contains("EncDecAttention.k.") && !n.contains("EncDecAttention.v.") && !n.contains("relative_attention_bias");
            if (perToken) b += (long) e.getValue().numel() * e.getValue().dtype().byteSize();
        }
        return b;
    }

    /** Peak resident set (VmHWM) in bytes, or -1 where /proc is missing. */
    static long peakRss() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith("VmHWM:")) return Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024;
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    private double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    @Override
    public Integer call() {
        if (iterations < 1 || warmup < 0 || examples < 1 || inputTokens < 2 || targetTokens < 1 || newTokens < 1) {
            throw new BadInputException("--iterations, --examples, --target-tokens, --new-tokens must be ≥ 1, --input-tokens ≥ 2, --warmup ≥ 0");
        }
        DType dt = switch (dtype.toLowerCase(Locale.ROOT)) {
            case "f32" -> DType.F32;
            case "bf16" -> DType.BF16;
            default -> throw new BadInputException("--dtype must be f32 or bf16, got '" + dtype + "'");
        };
        if (!what.equals("all") && !what.equals("loss") && !what.equals("greedy")) throw new BadInputException("--what must be all, loss or greedy");
        ReadBandwidth.checkSize(bandwidthMb);
        T5Config c = preset(preset);
        // before the weights exist: the probe's array is freed again and stays below the run's peak RSS
        double bwBefore = bandwidthMb > 0 ? ReadBandwidth.measure(common.threadCount(), bandwidthMb, 3, 1)[0] : Double.NaN;
        long t0 = System.nanoTime();
        Map<String, Tensor> w = randomWeights(c, dt, seed);
        long weightBytes = 0;
        for (Tensor t : w.values()) weightBytes += (long) t.numel() * t.dtype().byteSize();
        T5ForConditionalGeneration m = T5ForConditionalGeneration.from(c, Checkpoints.of("random " + preset, w));
        double buildS = (System.nanoTime() - t0) / 1e9;
        SplittableRandom r = new SplittableRandom(seed + 1);
        int[][] lossIn = ids(r, examples, inputTokens, c.vocabSize()), lossOut = ids(r, examples, targetTokens, c.vocabSize());
        int[][] genIn = ids(r, 1, inputTokens, c.vocabSize());
        ObjectNode j = new ObjectMapper().createObjectNode();
        long bytesPerToken = decoderBytesPerToken(w);
        double decodeGbs = Double.NaN;
        PrintWriter out = spec.commandLine().getOut();
        try (Backend be = common.openBackend()) {
            j.put("bench", "t5").put("preset", preset).put("dtype", dt.name()).put("backend", be.name()).put("threads", be.threads())
                    .put("weight_bytes", weightBytes).put("build_s", buildS);
            if (!what.equals("greedy")) {
                double[] secs = new double[iterations];
                double loss = 0;
                for (int i = 0; i < warmup + iterations; i++) {
                    long s = System.nanoTime();
                    loss = m.score(be, lossIn, lossOut, ForwardContext.NONE).batchLoss();
                    if (i >= warmup) secs[i - warmup] = (System.nanoTime() - s) / 1e9;
                }
                j.put("loss_pass_median_s", median(secs)).put("loss_value", loss);
                j.putPOJO("loss_pass_s", secs);
                if (!common.json) {
                    out.printf(Locale.ROOT, "t5 %s %s, %s backend, %d threads: loss pass (%d×%d in, %d out) median %.3f s; runs %s%n", preset, dt,
                            be.name(), be.threads(), examples, inputTokens, targetTokens, median(secs), fmt(secs));
                    out.flush();
                }
            }
            if (!what.equals("loss")) {
                double[] secs = new double[iterations];
                int generated = 0;
                GenerationConfig g = GenerationConfig.greedy(newTokens);
                for (int i = 0; i < warmup + iterations; i++) {
                    long s = System.nanoTime();
                    GenerationResult res = m.generate(be, genIn, null, g, ForwardContext.NONE);
                    generated = res.tokens()[0].length;
                    if (i >= warmup) secs[i - warmup] = (System.nanoTime() - s) / 1e9;
                }
                double[] enc = new double[iterations];
                for (int i = 0; i < iterations; i++) {
                    long s = System.nanoTime();
                    // read the result: a device backend that defers work (tornadovm) runs it then; free on the CPU
                    m.encode(be, genIn, null, ForwardContext.NONE).lastHiddenState().array();
                    enc[i] = (System.nanoTime() - s) / 1e9;
                }
                double med = median(secs), encMed = median(enc), decodeRate = generated / Math.max(1e-9, med - encMed);
                decodeGbs = bytesPerToken * decodeRate / 1e9;
                j.put("encoder_median_s", encMed).put("decode_tokens_per_s", decodeRate);
                j.put("decode_weight_bytes_per_token", bytesPerToken).put("decode_weight_gbs", decodeGbs);
                j.put("greedy_median_s", med).put("greedy_tokens", generated).put("greedy_tokens_per_s", generated / med);
                j.putPOJO("greedy_s", secs);
                if (!common.json) {
                    out.printf(Locale.ROOT, "t5 %s %s: greedy (1×%d in, %d new tokens) median %.3f s = %.1f tokens/s incl. encoder "
                            + "(encoder %.3f s; decoding alone %.1f tokens/s); runs %s%n",
                            preset, dt, inputTokens, generated, med, generated / med, encMed, decodeRate, fmt(secs));
                }
            }
        }
        long rss = peakRss();
        j.put("peak_rss_bytes", rss).put("peak_rss_over_weights", rss / (double) weightBytes);
        if (!common.json) out.printf(Locale.ROOT, "weights %.2f GB (%s), peak RSS %.2f GB = %.2f× the weight bytes%n", weightBytes / 1e9, dt, rss / 1e9, rss / (double) weightBytes);
        if (bandwidthMb > 0) {
            double bwAfter = ReadBandwidth.measure(common.threadCount(), bandwidthMb, 3, 1)[0];
            j.put("read_bandwidth_before_gbs", bwBefore).put("read_bandwidth_after_gbs", bwAfter);
            if (!common.json) {
                out.printf(Locale.ROOT, "host read bandwidth (sum of a %d MB array, %d threads): %.1f GB/s before, %.1f GB/s after%s%n", bandwidthMb,
                        common.threadCount(), bwBefore, bwAfter, Double.isNaN(decodeGbs) ? ""
                                : String.format(Locale.ROOT, "; decoding read the weights at %.1f GB/s (%.2f GB per token)", decodeGbs, bytesPerToken / 1e9));
            }
        }
        if (common.json) out.println(j);
        out.flush();
        return 0;
    }

    private static String fmt(double[] s) {
        return Arrays.toString(Arrays.stream(s).map(x -> Math.round(x * 1000) / 1000.0).toArray());
    }
}
