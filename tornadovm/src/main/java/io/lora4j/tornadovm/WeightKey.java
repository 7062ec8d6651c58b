package io.lora4j.tornadovm;

import io.lora4j.engine.Tensor;
import java.util.Arrays;

/**
 * Identity of a tensor's contents for the device cache: its storage (the very float[] of a heap
 * tensor, the address of a mapped segment), offset, shape and strides. Two views of the same bytes
 * with the same geometry are the same key, so a model that re-creates a view per call still hits
 * its uploaded weight. Relies on weights being immutable after load (the engine's contract).
 */
record WeightKey(Object storage, long address, long offset, int[] shape, long[] strides, Object dtype) {

    static WeightKey of(Tensor t) {
        int r = t.rank();
        long[] st = new long[r];
        for (int i = 0; i < r; i++) st[i] = t.stride(i);
        if (t.isHeapF32()) return new WeightKey(new Identity(t.array()), 0, t.offset(), t.shape(), st, t.dtype());
        return new WeightKey(null, t.segment().address(), t.offset(), t.shape(), st, t.dtype());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WeightKey k && java.util.Objects.equals(storage, k.storage) && address == k.address && offset == k.offset
                && Arrays.equals(shape, k.shape) && Arrays.equals(strides, k.strides) && dtype == k.dtype;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(storage, address, offset, Arrays.hashCode(shape), Arrays.hashCode(strides), dtype);
    }

    /** Reference identity of an array (arrays' equals is identity already; this also gives identity hashing). */
    private record Identity(Object ref) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Identity i && i.ref == ref;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(ref);
        }
    }
}
