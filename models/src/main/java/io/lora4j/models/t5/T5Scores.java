package io.lora4j.models.t5;

/**
 * Teacher-forced cross-entropy of a batch: per example, the sum of token losses (nats) over its non-ignored
 * label tokens and their count. Every aggregate the LoRAHub objective needs derives from these
 * (METHODS.md §1: per-batch token-mean, summed over batches, divided by the number of examples).
 */
public record T5Scores(double[] tokenLossSum, int[] tokenCount) {

    public int size() {
        return tokenCount.length;
    }

    /** Token-mean CE of example {@code i}. */
    public double exampleLoss(int i) {
        return tokenLossSum[i] / tokenCount[i];
    }

    /** Token-mean CE of every example. */
    public double[] exampleLosses() {
        double[] l = new double[size()];
        for (int i = 0; i < l.length; i++) l[i] = exampleLoss(i);
        return l;
    }

    /** Token-mean CE over all counted tokens of the batch: HF's {@code model(labels=...).loss}. */
    public double batchLoss() {
        double s = 0;
        long n = 0;
        for (int i = 0; i < size(); i++) {
            s += tokenLossSum[i];
            n += tokenCount[i];
        }
        return s / n;
    }

    /** Total counted label tokens. */
    public long totalTokens() {
        long n = 0;
        for (int c : tokenCount) n += c;
        return n;
    }
}
