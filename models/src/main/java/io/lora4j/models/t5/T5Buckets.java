package io.lora4j.models.t5;

/** T5's relative position buckets. */
public final class T5Buckets {
    private T5Buckets() {}

    /**
     * HF's {@code _relative_position_bucket}, computed in float32 as torch does so bucket edges agree.
     * {@code relative} = key position - query position.
     */
    public static int bucket(int relative, boolean bidirectional, int numBuckets, int maxDistance) {
        int buckets = 0;
        int n = numBuckets;
        int rel;
        if (bidirectional) {
            n /= 2;
            if (relative > 0) buckets += n;
            rel = Math.abs(relative);
        } else {
            rel = -Math.min(relative, 0);
        }
        int maxExact = n / 2;
        if (rel < maxExact) return buckets + rel;
        float ratio = (float) rel / (float) maxExact;
        float logRatio = (float) Math.log(ratio);
        float denom = (float) Math.log((double) maxDistance / maxExact);
        float scaled = logRatio / denom * (float) (n - maxExact);
        int large = maxExact + (int) scaled;
        return buckets + Math.min(large, n - 1);
    }

}
