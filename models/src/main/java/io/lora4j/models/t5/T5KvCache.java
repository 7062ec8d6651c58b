package io.lora4j.models.t5;

import io.lora4j.engine.Tensor;

/**
 * Per-call decoder state for incremental decoding: for every decoder layer the self-attention keys and
 * values of the tokens so far (preallocated for {@code capacity} positions, so decoding allocates no
 * cache memory per token) and the cross-attention K/V of the encoder output, computed once per input.
 * Keys and values are stored as the projections produce them, [B, capacity, H·dk] (one row per
 * position, heads side by side), so appending a token is one row copy and the cached prefix is a view.
 * Not thread-safe; one per generate call.
 */
final class T5KvCache {
    final int batch, heads, dKv, capacity;
    final Layer[] layers;

    T5KvCache(T5Config c, int batch, int capacity) {
        this.batch = batch;
        this.heads = c.numHeads();
        this.dKv = c.dKv();
        this.capacity = capacity;
        this.layers = new Layer[c.numDecoderLayers()];
        for (int i = 0; i < layers.length; i++) layers[i] = new Layer();
    }

    /** Reorders the batch rows (beam search): row r becomes old row {@code rows[r]}. Cross K/V are per input and
     *  stay valid because beams of one input share them. */
    void reorderSelf(int[] rows, int length) {
        int row = capacity * heads * dKv, used = length * heads * dKv;
        for (Layer l : layers) {
            if (l.spareK == null) {
                l.spareK = new float[l.k.length];
                l.spareV = new float[l.v.length];
            }
            float[] nk = l.spareK, nv = l.spareV;
            for (int r = 0; r < rows.length; r++) {
                System.arraycopy(l.k, rows[r] * row, nk, r * row, used);
                System.arraycopy(l.v, rows[r] * row, nv, r * row, used);
            }
            l.spareK = l.k;
            l.spareV = l.v;
            l.k = nk;
            l.v = nv;
        }
    }

    final class Layer {
        float[] k = new float[batch * capacity * heads * dKv];
        float[] v = new float[batch * capacity * heads * dKv];
        float[] spareK, spareV; // beam reordering writes here, then the two swap (no allocation per step)
        Tensor crossK, crossV;

        /** Writes keys/values [B, T, H·dk] at positions offset..offset+T-1. */
        void append(Tensor keys, Tensor vals, int offset) {
            int len = keys.dim(1);
            if (offset + len > capacity) throw new IllegalStateException("KV cache capacity " + capacity + " exceeded");
            write(keys.contiguous(), k, offset, len);
            write(vals.contiguous(), v, offset, len);
        }

        private void write(Tensor src, float[] dst, int offset, int len) {
            float[] s = src.array();
            int so = (int) src.offset(), row = heads * dKv;
            for (int b = 0; b < batch; b++) {
                System.arraycopy(s, so + b * len * row, dst, (b * capacity + offset) * row, len * row);
            }
        }

        /** Keys of positions 0..length-1: [B, length, H·dk], a view of the cache. */
        Tensor keys(int length) {
            return Tensor.of(k, batch, capacity, heads * dKv).narrow(1, 0, length);
        }

        /** Values of positions 0..length-1: [B, length, H·dk], a view of the cache. */
        Tensor values(int length) {
            return Tensor.of(v, batch, capacity, heads * dKv).narrow(1, 0, length);
        }
    }
}
