package io.lora4j.engine.cpu;

import io.lora4j.engine.Tensor;

/** Data movement: embedding rows (widened from the table's dtype) and non-overlapping image patches. */
public final class Gather {
    private Gather() {}

    /** Rows {@code ids} of table [V, D] → F32 [ids.length, D]. */
    public static Tensor embedding(Parallel par, Tensor table, int[] ids) {
        MatrixRows t = MatrixRows.of(table);
        int vocab = t.rows(), d = t.cols();
        for (int id : ids) {
            if (id < 0 || id >= vocab) throw new IndexOutOfBoundsException("token id " + id + " outside vocabulary [0, " + vocab + ")");
        }
        float[] out = new float[ids.length * d];
        par.range(ids.length, Math.max(1, (1 << 15) / Math.max(1, d)), (from, to) -> {
            for (int i = from; i < to; i++) t.rowToFloat(ids[i], 0, d, out, i * d);
        });
        return Tensor.of(out, ids.length, d);
    }

    /** images [B, C, H, W] → [B, (H/p)·(W/p), C·p·p], each patch flattened as (c, kh, kw). */
    public static Tensor im2colPatches(Parallel par, Tensor images, int p) {
        if (images.rank() != 4) throw new IllegalArgumentException("im2colPatches: images must be [B, C, H, W]");
        int b = images.dim(0), c = images.dim(1), h = images.dim(2), w = images.dim(3);
        if (p <= 0 || h % p != 0 || w % p != 0) throw new IllegalArgumentException("image " + h + "×" + w + " is not a multiple of patch " + p);
        float[] src = images.contiguous().array();
        int gh = h / p, gw = w / p, cols = c * p * p;
        float[] out = new float[b * gh * gw * cols];
        par.range(b * gh, 1, (from, to) -> {
            for (int row = from; row < to; row++) {
                int n = row / gh, py = row % gh;
                for (int px = 0; px < gw; px++) {
                    int dst = ((n * gh + py) * gw + px) * cols;
                    for (int ch = 0; ch < c; ch++) {
                        for (int ky = 0; ky < p; ky++) {
                            int s = ((n * c + ch) * h + py * p + ky) * w + px * p;
                            System.arraycopy(src, s, out, dst, p);
                            dst += p;
                        }
                    }
                }
            }
        });
        return Tensor.of(out, b, gh * gw, cols);
    }
}
