package io.lora4j.engine.cpu;

import io.lora4j.engine.DType;
import io.lora4j.engine.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * A rank-2 tensor [rows, cols] whose rows are contiguous (unit stride along cols), in F32 (heap or
 * segment), BF16 or F16 (segment): the shape of every Linear weight W [N, K]. Any other layout (a
 * transposed view, a strided last dim) is first copied to a contiguous F32 array.
 *
 * <p>This is where weight dtypes become F32: {@link #rowToFloat} widens BF16 in vector registers
 * (a 16-bit left shift of each lane), F16 through the JDK's intrinsic {@code float16ToFloat}.
 */
public final class MatrixRows {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    static final VectorSpecies<Short> SH = ShortVector.SPECIES_PREFERRED.withShape(
            jdk.incubator.vector.VectorShape.forBitSize(F.vectorBitSize() / 2));
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);

    private final int rows, cols;
    private final DType dtype;
    private final float[] array;     // heap F32, or null
    private final MemorySegment seg; // segment storage, or null
    private final long offset;       // element offset of [0, 0]
    private final long rowStride;    // elements between rows

    private MatrixRows(int rows, int cols, DType dtype, float[] array, MemorySegment seg, long offset, long rowStride) {
        this.rows = rows;
        this.cols = cols;
        this.dtype = dtype;
        this.array = array;
        this.seg = seg;
        this.offset = offset;
        this.rowStride = rowStride;
    }

    /** Views {@code t} [rows, cols] without copying when its rows are contiguous; else copies it to F32. */
    public static MatrixRows of(Tensor t) {
        if (t.rank() != 2) throw new IllegalArgumentException("expected a matrix, got rank " + t.rank());
        int r = t.dim(0), c = t.dim(1);
        boolean unit = c <= 1 || t.stride(1) == 1;
        DType d = t.dtype();
        boolean supported = t.isHeapF32() || d == DType.F32 || d == DType.BF16 || d == DType.F16;
        if (!unit || !supported) {
            float[] copy = t.toFloatArray();
            return new MatrixRows(r, c, DType.F32, copy, null, 0, c);
        }
        long rs = r <= 1 ? c : t.stride(0);
        if (t.isHeapF32()) return new MatrixRows(r, c, DType.F32, t.array(), null, t.offset(), rs);
        return new MatrixRows(r, c, d, null, t.segment(), t.offset(), rs);
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    public DType dtype() {
        return dtype;
    }

    /** The segment storage, or null for heap F32. */
    public MemorySegment segment() {
        return seg;
    }

    /** The heap array when this is heap F32 (read it at {@link #rowOffset}); null otherwise. */
    public float[] heapArray() {
        return array;
    }

    /** Elements between the starts of consecutive rows. */
    public long rowStride() {
        return rowStride;
    }

    /** Element offset of row r, column 0 (in the heap array or the segment, in elements). */
    public long rowOffset(int r) {
        return offset + r * rowStride;
    }

    /** Writes columns [c0, c0+len) of row r as F32 into dst[dstOff ..]. */
    public void rowToFloat(int r, int c0, int len, float[] dst, int dstOff) {
        long base = rowOffset(r) + c0;
        if (array != null) {
            System.arraycopy(array, (int) base, dst, dstOff, len);
            return;
        }
        int i = 0;
        switch (dtype) {
            case F32 -> {
                for (; i <= len - F.length(); i += F.length()) {
                    FloatVector.fromMemorySegment(F, seg, (base + i) * 4, LE).intoArray(dst, dstOff + i);
                }
                for (; i < len; i++) dst[dstOff + i] = seg.get(F32, (base + i) * 4);
            }
            case BF16 -> {
                for (; i <= len - F.length(); i += F.length()) {
                    bf16ToFloat(ShortVector.fromMemorySegment(SH, seg, (base + i) * 2, LE)).intoArray(dst, dstOff + i);
                }
                for (; i < len; i++) dst[dstOff + i] = Float.intBitsToFloat((seg.get(I16, (base + i) * 2) & 0xffff) << 16);
            }
            case F16 -> {
                for (; i < len; i++) dst[dstOff + i] = Float.float16ToFloat(seg.get(I16, (base + i) * 2));
            }
            default -> throw new IllegalStateException("unsupported dtype " + dtype);
        }
    }

    /** Reads element (r, c) as F32 (slow path for packing edges). */
    public float get(int r, int c) {
        long p = rowOffset(r) + c;
        if (array != null) return array[(int) p];
        return switch (dtype) {
            case F32 -> seg.get(F32, p * 4);
            case BF16 -> Float.intBitsToFloat((seg.get(I16, p * 2) & 0xffff) << 16);
            case F16 -> Float.float16ToFloat(seg.get(I16, p * 2));
            default -> throw new IllegalStateException("unsupported dtype " + dtype);
        };
    }

    /** BF16 lanes to F32 lanes: sign-extend to 32 bits, shift the 16 payload bits to the top. */
    static FloatVector bf16ToFloat(ShortVector v) {
        return ((IntVector) v.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }
}
