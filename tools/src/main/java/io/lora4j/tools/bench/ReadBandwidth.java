package io.lora4j.tools.bench;

import io.lora4j.engine.cpu.Parallel;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The host's memory read bandwidth now: a parallel sum over a native float array much larger than the caches,
 * freed when the probe ends. Memory-bound figures (decoding streams every weight once per token) follow it,
 * and on a shared host it moves by tens of percent within minutes, so the benchmarks print it next to them.
 */
final class ReadBandwidth {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    private ReadBandwidth() {}

    /** Largest probe (MB): big enough to dwarf any cache, small enough not to push the host into swapping. */
    static final int MAX_MB = 4096;

    /** Checks a {@code --bandwidth-mb} value: 0 (skip) to {@link #MAX_MB}. */
    static void checkSize(int mb) {
        if (mb < 0 || mb > MAX_MB) throw new io.lora4j.engine.BadInputException("--bandwidth-mb must be 0 (skip) to " + MAX_MB + ", got " + mb);
    }

    /** {best, median} GB/s over {@code reps} sums (after {@code warmup} untimed ones) of an {@code mb} MB array. */
    static double[] measure(int threads, int mb, int reps, int warmup) {
        long floats = (long) mb * (1 << 20) / 4;
        floats -= floats % F.length();
        double[] per = new double[Math.max(1, reps)];
        try (Arena arena = Arena.ofShared(); Parallel par = new Parallel(threads)) {
            MemorySegment a = arena.allocate(floats * 4, 64); // zero-filled: every page is resident before timing
            int chunks = threads * 8;
            long chunk = (floats / chunks + F.length() - 1) / F.length() * F.length();
            double[] partial = new double[chunks];
            long n = floats;
            for (int r = -warmup; r < per.length; r++) {
                long t0 = System.nanoTime();
                par.forEach(chunks, c -> partial[c] = sum(a, Math.min(n, c * chunk), Math.min(n, (c + 1) * chunk)));
                double el = (System.nanoTime() - t0) * 1e-9;
                if (r >= 0) per[r] = el;
                for (double p : partial) {
                    if (p != 0) throw new IllegalStateException("bandwidth probe summed " + p + " over zeros");
                }
            }
        }
        Arrays.sort(per);
        double bytes = 4.0 * floats;
        return new double[] {bytes / per[0] / 1e9, bytes / per[per.length / 2] / 1e9};
    }

    /** Σ a[from .. to) (float indices, multiples of the vector length), four accumulators. */
    private static double sum(MemorySegment a, long from, long to) {
        FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
        ByteOrder order = ByteOrder.nativeOrder();
        long v = 4L * F.length(), i = from * 4, end = to * 4; // bytes per vector; byte offsets
        for (; i + 4 * v <= end; i += 4 * v) {
            s0 = s0.add(FloatVector.fromMemorySegment(F, a, i, order));
            s1 = s1.add(FloatVector.fromMemorySegment(F, a, i + v, order));
            s2 = s2.add(FloatVector.fromMemorySegment(F, a, i + 2 * v, order));
            s3 = s3.add(FloatVector.fromMemorySegment(F, a, i + 3 * v, order));
        }
        for (; i < end; i += v) s0 = s0.add(FloatVector.fromMemorySegment(F, a, i, order));
        return s0.add(s1).add(s2).add(s3).reduceLanes(VectorOperators.ADD);
    }
}
