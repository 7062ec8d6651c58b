package io.lora4j.models.tokenizer;

/**
 * Ids and attention masks of a batch, one row per text (right-padded with the pad id when padding was
 * asked for; rows may differ in length otherwise). Arrays are copies owned by the caller.
 */
public record BatchEncoding(int[][] ids, int[][] attentionMask) {
    public int size() {
        return ids.length;
    }

    /** True when every row has the same length. */
    public boolean isRectangular() {
        for (int[] r : ids) if (r.length != ids[0].length) return false;
        return true;
    }

    /** The longest row's length. */
    public int maxLength() {
        int m = 0;
        for (int[] r : ids) m = Math.max(m, r.length);
        return m;
    }

    /** Row-major ids as a [batch, length] block; rows must have one length (pad first). */
    public long[] flatIds() {
        return flatten(ids);
    }

    /** Row-major attention mask as a [batch, length] block; rows must have one length. */
    public long[] flatAttentionMask() {
        return flatten(attentionMask);
    }

    private long[] flatten(int[][] rows) {
        if (!isRectangular()) throw new IllegalStateException("rows differ in length; encode with padding");
        int len = rows.length == 0 ? 0 : rows[0].length;
        long[] out = new long[rows.length * len];
        for (int b = 0; b < rows.length; b++) for (int t = 0; t < len; t++) out[b * len + t] = rows[b][t];
        return out;
    }
}
