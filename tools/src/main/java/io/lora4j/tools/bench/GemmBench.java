package io.lora4j.tools.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.lora4j.engine.Backend;
import io.lora4j.engine.BadInputException;
import io.lora4j.engine.DType;
import io.lora4j.engine.Tensor;
import io.lora4j.tools.CommonOptions;
import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
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
 * {@code lora4j bench gemm}: GFLOP/s of {@code Backend.linear} (y = x·Wᵀ, W [N, K] row-major) for
 * the shapes the T5/ViT models use, with F32 and BF16 weights, and the read bandwidth of a large
 * array sum in the same run (the ceiling for batch-1 GEMV).
 */
@Command(name = "gemm", mixinStandardHelpOptions = true,
        description = "GEMM/GEMV throughput (GFLOP/s) for F32 and BF16 weights, plus memory read bandwidth.")
public final class GemmBench implements Callable<Integer> {
    /** (M, N, K) of issue 2: encoder-sized GEMMs, square GEMMs, batch-1 GEMVs (the last is the T5 LM head). */
    static final int[][] DEFAULT_SHAPES = {
        {640, 1024, 1024}, {640, 2816, 1024}, {640, 1024, 2816}, {1024, 1024, 1024}, {2048, 2048, 2048},
        {1, 1024, 1024}, {1, 32128, 1024},
    };

    @Mixin
    CommonOptions common;

    @Option(names = "--reps", defaultValue = "7", description = "Timed calls per entry at least (default ${DEFAULT-VALUE}).")
    int reps;

    @Option(names = "--min-seconds", defaultValue = "0.5", description = "Keep timing calls at least this long per entry (default ${DEFAULT-VALUE}).")
    double minSeconds;

    @Option(names = "--warmup", defaultValue = "30",
            description = "Untimed calls first, so the JIT has compiled the kernels (default ${DEFAULT-VALUE}; stops after --warmup-seconds + 10 s).")
    int warmup;

    @Option(names = "--warmup-seconds", defaultValue = "1.5",
            description = "Warm up at least this long per entry (default ${DEFAULT-VALUE}).")
    double warmupSeconds;

    @Option(names = "--shapes", split = ",", paramLabel = "MxNxK",
            description = "Shapes to run instead of the default set, e.g. 1024x1024x1024,1x32128x1024.")
    List<String> shapes;

    @Option(names = "--dtypes", split = ",", defaultValue = "F32,BF16", description = "Weight dtypes (F32, BF16, F16; default ${DEFAULT-VALUE}).")
    List<String> dtypes;

    @Option(names = "--bandwidth-mb", defaultValue = "256", description = "Size of the array summed for the bandwidth figure (default ${DEFAULT-VALUE} MB; 0 skips it).")
    int bandwidthMb;

    @Option(names = "--distinct-weights", defaultValue = "1", paramLabel = "N",
            description = "Rotate over N different weight matrices per entry, one per call, as a model streams a new W from memory "
                    + "for every layer (default ${DEFAULT-VALUE}: the same, cache-warm W every call).")
    int distinctWeights;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** One measured entry; times in seconds. */
    record Result(int m, int n, int k, String dtype, double bestS, double medianS, double cpuS, int reps) {
        double flops() {
            return 2.0 * m * n * k;
        }

        double weightBytes() {
            return (double) n * k * DType.valueOf(dtype).byteSize();
        }
    }

    @Override
    public Integer call() throws Exception {
        if (reps < 1 || warmup < 0) throw new BadInputException("--reps must be ≥ 1 and --warmup ≥ 0");
        if (distinctWeights < 1) throw new BadInputException("--distinct-weights must be ≥ 1, got " + distinctWeights);
        ReadBandwidth.checkSize(bandwidthMb);
        int[][] todo = shapes == null ? DEFAULT_SHAPES : parseShapes(shapes);
        List<DType> types = new ArrayList<>();
        for (String d : dtypes) {
            DType t = DType.fromSafetensors(d);
            if (t != DType.F32 && t != DType.BF16 && t != DType.F16) throw new BadInputException("--dtypes: '" + d + "' is not one of F32, BF16, F16");
            types.add(t);
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<Result> results = new ArrayList<>();
        double bandwidth = Double.NaN, bandwidthMedian = Double.NaN;
        try (Backend backend = common.openBackend(); Arena arena = Arena.ofShared()) {
            if (!common.quiet && !common.json) {
                err.printf(Locale.ROOT, "backend %s, %d threads, %d-bit vectors; ≥ %d warmup calls and ≥ %.1f s, then ≥ %d timed calls and ≥ %.1f s per entry%s%n",
                        backend.name(), backend.threads(), jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize(), warmup, warmupSeconds, reps, minSeconds,
                        distinctWeights > 1 ? "; " + distinctWeights + " weight matrices per entry, a different one each call" : "");
                err.flush();
            }
            SplittableRandom rnd = new SplittableRandom(42);
            for (int[] s : todo) {
                Tensor x = Tensor.of(uniform(rnd, s[0] * s[2]), s[0], s[2]);
                float[][] wv = new float[distinctWeights][];
                for (int i = 0; i < wv.length; i++) wv[i] = uniform(rnd, s[1] * s[2]);
                for (DType t : types) {
                    Tensor[] w = new Tensor[wv.length];
                    for (int i = 0; i < w.length; i++) w[i] = t == DType.F32 ? Tensor.of(wv[i], s[1], s[2]) : segment(arena, wv[i], t, s[1], s[2]);
                    Result r = time(backend, x, w, s, t);
                    results.add(r);
                    if (!common.json) printRow(out, r);
                }
            }
            if (bandwidthMb > 0) {
                double[] bw = ReadBandwidth.measure(backend.threads(), bandwidthMb, reps, warmup);
                bandwidth = bw[0];
                bandwidthMedian = bw[1];
                if (!common.json) {
                    out.printf(Locale.ROOT, "read bandwidth (sum of a %d MB float array, %d threads): best %.1f GB/s, median %.1f GB/s%n",
                            bandwidthMb, backend.threads(), bandwidth, bandwidthMedian);
                }
            }
            if (common.json) printJson(out, results, backend, bandwidth, bandwidthMedian);
        }
        out.flush();
        return 0;
    }

    private static int[][] parseShapes(List<String> specs) {
        int[][] r = new int[specs.size()][];
        for (int i = 0; i < r.length; i++) {
            String[] p = specs.get(i).toLowerCase(Locale.ROOT).split("x");
            try {
                if (p.length != 3) throw new NumberFormatException();
                r[i] = new int[] {Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2])};
                for (int v : r[i]) if (v < 1) throw new NumberFormatException();
            } catch (NumberFormatException e) {
                throw new BadInputException("--shapes: '" + specs.get(i) + "' is not MxNxK with positive integers");
            }
        }
        return r;
    }

    private static float[] uniform(SplittableRandom rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (rnd.nextDouble() * 2 - 1);
        return v;
    }

    private static Tensor segment(Arena arena, float[] v, DType t, int rows, int cols) {
        ValueLayout.OfShort s16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        MemorySegment seg = arena.allocate(2L * v.length, 64);
        for (int i = 0; i < v.length; i++) {
            seg.set(s16, 2L * i, t == DType.BF16 ? Tensor.floatToBf16(v[i]) : Float.floatToFloat16(v[i]));
        }
        return Tensor.ofSegment(seg, t, rows, cols);
    }

    /**
     * Warms up, then times single linear() calls: at least {@code reps} of them and at least
     * {@code --min-seconds} in all (so a 0.1 ms GEMV is timed thousands of times and its median
     * shrugs off the odd preemption on busy cores). Also returns the process CPU seconds per call:
     * on cores shared with other work the wall clock measures the neighbours too, CPU time (all
     * threads) much less so.
     */
    private Result time(Backend backend, Tensor x, Tensor[] w, int[] s, DType t) {
        // warm up for ≥ --warmup calls (capped at 10 s) and ≥ --warmup-seconds: Vector API code runs
        // 100–1000× slower until C2 has compiled it, which takes thousands of kernel invocations
        long w0 = System.nanoTime();
        for (int i = 0; ; i++) {
            double el = (System.nanoTime() - w0) * 1e-9;
            if (el >= warmupSeconds && (i >= warmup || el > warmupSeconds + 10)) break;
            backend.linear(x, w[i % w.length], null).array(); // read it: a device backend that defers work (tornadovm) then runs it
        }
        double[] per = new double[Math.max(reps, 64)];
        int calls = 0;
        long cpu0 = processCpuNanos(), start = System.nanoTime();
        while (calls < reps || System.nanoTime() - start < minSeconds * 1e9) {
            long t0 = System.nanoTime();
            backend.linear(x, w[calls % w.length], null).array();
            if (calls == per.length) per = Arrays.copyOf(per, per.length * 2);
            per[calls++] = (System.nanoTime() - t0) * 1e-9;
        }
        double cpuPerCall = (processCpuNanos() - cpu0) * 1e-9 / calls;
        per = Arrays.copyOf(per, calls);
        Arrays.sort(per);
        return new Result(s[0], s[1], s[2], t.name(), per[0], median(per), cpuPerCall, calls);
    }

    /** CPU time of this process (all threads), or -1 if the JVM cannot tell. */
    static long processCpuNanos() {
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }

    private static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static void printRow(PrintWriter out, Result r) {
        out.printf(Locale.ROOT, "M=%5d N=%6d K=%5d %-4s  best %6.1f  median %6.1f GFLOP/s  %6.1f GFLOP/cpu-s  (%.3f ms; W at %.1f GB/s)%n",
                r.m, r.n, r.k, r.dtype, r.flops() / r.bestS / 1e9, r.flops() / r.medianS / 1e9, r.flops() / r.cpuS / 1e9,
                r.medianS * 1e3, r.weightBytes() / r.medianS / 1e9);
        out.flush();
    }

    private void printJson(PrintWriter out, List<Result> results, Backend backend, double bw, double bwMedian) throws Exception {
        List<Map<String, Object>> list = new ArrayList<>();
        for (Result r : results) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("bench", "gemm");
            e.put("backend", backend.name());
            e.put("threads", backend.threads());
            e.put("m", r.m);
            e.put("n", r.n);
            e.put("k", r.k);
            e.put("weights_dtype", r.dtype);
            e.put("distinct_weights", distinctWeights);
            e.put("gflops", r.flops() / r.medianS / 1e9);
            e.put("gflops_best", r.flops() / r.bestS / 1e9);
            e.put("gflops_per_cpu_s", r.flops() / r.cpuS / 1e9);
            e.put("ms_median", r.medianS * 1e3);
            e.put("weights_gbps", r.weightBytes() / r.medianS / 1e9);
            e.put("calls", r.reps);
            list.add(e);
        }
        if (!Double.isNaN(bw)) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("bench", "read_bandwidth");
            e.put("threads", backend.threads());
            e.put("gbps", bwMedian);
            e.put("gbps_best", bw);
            list.add(e);
        }
        out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(list));
    }
}
