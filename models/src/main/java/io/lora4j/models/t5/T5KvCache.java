package io.lora4j.models.t5;

import io.lora4j.engine.Tensor;

/**
 * Per-call decoder state for incremental decoding: for every decoder layer the self-attention keys and
 * values of the tokens so far (preallocated for {@code capacity} positions, so decoding allocates no
 * cache memory per token) and the cross-attention K/V of the encoder output, computed once per input.
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
        int row = heads * capacity * dKv;
        for (Layer l : layers) {
            float[] nk = new float[l.k.length], nv = new float[l.v.length];
            for (int r = 0; r < rows.length; r++) {
                System.arraycopy(l.k, rows[r] * row, nk, r * row, row);
                System.arraycopy(l.v, rows[r] * row, nv, r * row, row);
            }
            l.k = nk;
            l.v = nv;
        }
    }

    final class Layer {
        float[] k = new float[batch * heads * capacity * dKv];
        float[] v = new float[batch * heads * capacity * dKv];
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
            int so = (int) src.offset();
            for (int b = 0; b < batch; b++) {
                for (int t = 0; t < len; t++) {
                    for (int h = 0; h < heads; h++) {
                        System.arraycopy(s, so + ((b * len + t) * heads + h) * dKv, dst,
                                ((b * heads + h) * capacity + offset + t) * dKv, dKv);
                    }
                }
            }
        }

        Tensor keys(int length) {
            return Tensor.of(k, batch, heads, capacity, dKv).narrow(2, 0, length);
        }

        Tensor values(int length) {
            return Tensor.of(v, batch, heads, capacity, dKv).narrow(2, 0, length);
        }
    }
}
