package io.lora4j.optim.evolution;

/**
 * A small splittable random generator (SplitMix64, Steele et al. 2014). Not thread-safe; each
 * consumer gets its own stream via {@link #of(long, long)} or {@link #split()}, so a search is a pure
 * function of its seed and no global {@code Random} is involved.
 */
public final class SplitMix64 {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private long state;

    public SplitMix64(long seed) {
        this.state = seed;
    }

    /** The stream for {@code seed} and a sub-stream index (e.g. a generation), independent of any other index. */
    public static SplitMix64 of(long seed, long stream) {
        return new SplitMix64(mix(seed ^ mix(stream * GOLDEN + 0x632BE59BD9B4E019L)));
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    public long nextLong() {
        return mix(state += GOLDEN);
    }

    /** Uniform in [0, bound), unbiased. */
    public int nextInt(int bound) {
        if (bound <= 0) throw new IllegalArgumentException("bound must be positive");
        long r = nextLong() >>> 33; // 31 bits
        long m = r * bound;
        long l = m & 0x7FFFFFFFL;
        if (l < bound) {
            long t = ((1L << 31) - bound) % bound;
            while (l < t) {
                r = nextLong() >>> 33;
                m = r * bound;
                l = m & 0x7FFFFFFFL;
            }
        }
        return (int) (m >>> 31);
    }

    /** Uniform in [0, 1). */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** A new independent generator; advances this one. */
    public SplitMix64 split() {
        return new SplitMix64(mix(nextLong()) ^ nextLong());
    }
}
