package io.lora4j.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** Views share storage and index correctly; BF16/F16 storage converts as IEEE/bfloat16 define. */
class TensorViewTest {
    /** 0, 1, 2, ... as a [2, 3, 4] tensor: element (i, j, k) = 12i + 4j + k. */
    private static Tensor iota() {
        float[] v = new float[24];
        for (int i = 0; i < 24; i++) v[i] = i;
        return Tensor.of(v, 2, 3, 4);
    }

    @Test
    void reshapeSharesStorageAndInfersDim() {
        Tensor t = iota();
        Tensor r = t.reshape(6, -1);
        assertArrayEquals(new int[] {6, 4}, r.shape());
        assertSame(t.array(), r.array());
        assertEquals(13f, r.get(3, 1)); // flat index 13
        assertThrows(IllegalArgumentException.class, () -> t.reshape(5, -1));
        assertThrows(IllegalStateException.class, () -> t.transpose(0, 2).reshape(24));
    }

    @Test
    void transposeAndPermuteIndexWithoutCopy() {
        Tensor t = iota();
        Tensor tr = t.transpose(-1, -2); // [2, 4, 3]
        assertArrayEquals(new int[] {2, 4, 3}, tr.shape());
        assertSame(t.array(), tr.array());
        assertFalse(tr.isContiguous());
        assertEquals(t.get(1, 2, 3), tr.get(1, 3, 2));
        Tensor p = t.permute(2, 0, 1); // [4, 2, 3]
        assertEquals(t.get(1, 0, 3), p.get(3, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> t.permute(0, 0, 1));
        // contiguous() copies in the view's logical order
        float[] c = tr.contiguous().array();
        assertEquals(t.get(0, 1, 0), c[1]); // tr(0, 0, 1)
        assertEquals(t.get(0, 0, 1), c[3]); // tr(0, 1, 0)
    }

    @Test
    void narrowSelectUnsqueeze() {
        Tensor t = iota();
        Tensor n = t.narrow(2, 1, 2); // [2, 3, 2], k ∈ {1, 2}
        assertArrayEquals(new int[] {2, 3, 2}, n.shape());
        assertSame(t.array(), n.array());
        assertEquals(1, n.offset());
        assertEquals(t.get(1, 2, 2), n.get(1, 2, 1));
        assertFalse(n.isContiguous());
        Tensor rows = t.narrow(1, 1, 2); // whole rows: still contiguous per batch, offset 4
        assertEquals(4, rows.offset());
        Tensor s = t.select(0, 1); // [3, 4]
        assertEquals(12, s.offset());
        assertEquals(t.get(1, 2, 3), s.get(2, 3));
        Tensor u = s.unsqueeze(0); // [1, 3, 4]
        assertArrayEquals(new int[] {1, 3, 4}, u.shape());
        assertEquals(s.get(1, 1), u.get(0, 1, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> t.narrow(2, 3, 2));
        // a narrowed contiguous slab reshapes without copying
        Tensor slab = t.narrow(0, 1, 1).reshape(3, 4);
        assertSame(t.array(), slab.array());
        assertEquals(12f, slab.get(0, 0));
        assertTrue(slab.isContiguous());
    }

    @Test
    void bf16RoundsToNearestEven() {
        // bfloat16 is the top 16 bits of an IEEE binary32: 1.0f = 0x3F800000 → 0x3F80.
        assertEquals((short) 0x3F80, Tensor.floatToBf16(1.0f));
        assertEquals(1.0f, Tensor.bf16ToFloat((short) 0x3F80));
        // bf16 has 7 mantissa bits: 1 + 2^-8 lies halfway between 1 (even) and 1 + 2^-7 → 1.
        assertEquals((short) 0x3F80, Tensor.floatToBf16(1f + 0x1p-8f));
        // 1 + 3·2^-8 lies halfway between 1 + 2^-7 (odd mantissa 1) and 1 + 2^-6 (even) → 0x3F82.
        assertEquals((short) 0x3F82, Tensor.floatToBf16(1f + 3 * 0x1p-8f));
        // just above the halfway point rounds up
        assertEquals((short) 0x3F81, Tensor.floatToBf16(1f + 0x1p-8f + 0x1p-20f));
        assertEquals((short) 0xBF80, Tensor.floatToBf16(-1.0f));
        assertEquals(Float.POSITIVE_INFINITY, Tensor.bf16ToFloat(Tensor.floatToBf16(Float.POSITIVE_INFINITY)));
        assertTrue(Float.isNaN(Tensor.bf16ToFloat(Tensor.floatToBf16(Float.NaN))));
        // every bf16 bit pattern round-trips through float exactly (NaNs stay NaN)
        for (int b = 0; b < 65536; b++) {
            float f = Tensor.bf16ToFloat((short) b);
            if (Float.isNaN(f)) assertTrue(Float.isNaN(Tensor.bf16ToFloat(Tensor.floatToBf16(f))));
            else assertEquals((short) b, Tensor.floatToBf16(f), "bf16 0x" + Integer.toHexString(b));
        }
    }

    @Test
    void segmentStorageReadsBf16F16F32LittleEndian() {
        MemorySegment seg = Arena.ofAuto().allocate(16);
        ValueLayout.OfShort s16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        seg.set(s16, 0, (short) 0x3F80);   // bf16 1.0
        seg.set(s16, 2, (short) 0xC040);   // bf16 -3.0 (0xC0400000)
        seg.set(s16, 4, (short) 0x4049);   // bf16 3.140625 (0x40490000)
        seg.set(s16, 6, (short) 0x0000);
        Tensor bf = Tensor.ofSegment(seg.asSlice(0, 8), DType.BF16, 2, 2);
        assertArrayEquals(new float[] {1f, -3f, 3.140625f, 0f}, bf.toFloatArray());
        assertArrayEquals(new float[] {1f, 3.140625f}, bf.transpose(0, 1).narrow(0, 0, 1).toFloatArray());
        // IEEE half: 1.0 = 0x3C00, -2.0 = 0xC000, 65504 (max) = 0x7BFF, 2^-24 (min subnormal) = 0x0001
        seg.set(s16, 8, (short) 0x3C00);
        seg.set(s16, 10, (short) 0xC000);
        seg.set(s16, 12, (short) 0x7BFF);
        seg.set(s16, 14, (short) 0x0001);
        Tensor h = Tensor.ofSegment(seg.asSlice(8, 8), DType.F16, 4);
        assertArrayEquals(new float[] {1f, -2f, 65504f, 0x1p-24f}, h.toFloatArray());
        Tensor f = Tensor.ofSegment(seg, DType.F32, 4);
        assertEquals(Float.intBitsToFloat(0xC0403F80), f.get(0)); // bytes 80 3F 40 C0 read little-endian
    }
}
