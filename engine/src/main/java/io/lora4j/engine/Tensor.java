package io.lora4j.engine;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * An n-dimensional array: a shape, strides (in elements) and an offset over one storage.
 *
 * <p>Two storages exist. Activations and anything computed are F32 on the Java heap
 * ({@code float[]}, the fastest thing for the Vector API to read). Weights read from a file
 * stay in their file's dtype inside a (usually memory-mapped) {@link MemorySegment}, so a
 * BF16 checkpoint is read at half the bytes and nothing is copied at load time; kernels convert
 * to F32 as they read (see docs/ARCHITECTURE.md, "Where dtype conversion happens").
 *
 * <p>Views ({@link #reshape}, {@link #transpose}, {@link #permute}, {@link #narrow},
 * {@link #select}) share storage. Tensors are immutable in shape; their F32 contents may be
 * written by the op that produced them, and should be treated as read-only afterwards so a
 * loaded model can serve many threads.
 *
 * <p>A third, optional storage is {@link DeviceData}: F32 data a backend keeps on its device
 * (TornadoVM). Such a tensor reads like an F32 heap tensor ({@link #isHeapF32()} is true); its data
 * comes to the heap lazily, on the first host read through {@link #array()} (see {@link #onDevice}).
 */
public final class Tensor {
    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64_LE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final DType dtype;
    private final int[] shape;
    private final long[] strides;
    private final long offset;
    private final float[] array;      // F32 heap storage, or null
    private final MemorySegment segment; // little-endian raw storage of dtype, or null
    private final DeviceData device;     // F32 data held by a backend, read to the heap on demand, or null

    private Tensor(DType dtype, int[] shape, long[] strides, long offset, float[] array, MemorySegment segment) {
        this(dtype, shape, strides, offset, array, segment, null);
    }

    private Tensor(DType dtype, int[] shape, long[] strides, long offset, float[] array, MemorySegment segment, DeviceData device) {
        this.dtype = dtype;
        this.shape = shape;
        this.strides = strides;
        this.offset = offset;
        this.array = array;
        this.segment = segment;
        this.device = device;
    }

    // ---------------------------------------------------------------- factories

    /** A new zero-filled F32 tensor. */
    public static Tensor zeros(int... shape) {
        return new Tensor(DType.F32, shape.clone(), contiguousStrides(shape), 0, new float[checkedNumel(shape)], null);
    }

    /** Wraps {@code data} (not copied) as a contiguous F32 tensor of the given shape. */
    public static Tensor of(float[] data, int... shape) {
        int n = checkedNumel(shape);
        if (n != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " has " + n + " elements but data has " + data.length);
        }
        return new Tensor(DType.F32, shape.clone(), contiguousStrides(shape), 0, data, null);
    }

    /** A scalar-valued F32 tensor of shape []. */
    public static Tensor scalar(float v) {
        return of(new float[] {v});
    }

    /**
     * Wraps raw little-endian bytes of {@code dtype} (a mapped file region, say) as a contiguous tensor.
     * The segment must hold exactly numel·byteSize bytes.
     */
    public static Tensor ofSegment(MemorySegment segment, DType dtype, int... shape) {
        long n = checkedNumel(shape);
        if (segment.byteSize() != n * dtype.byteSize()) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " of " + dtype + " needs "
                    + n * dtype.byteSize() + " bytes but the segment has " + segment.byteSize());
        }
        return new Tensor(dtype, shape.clone(), contiguousStrides(shape), 0, null, segment);
    }

    /**
     * A contiguous F32 tensor over data a backend holds on its device (see {@link DeviceData}); the
     * shape must cover exactly {@code data.size()} elements. Nothing is copied until a host read.
     */
    public static Tensor onDevice(DeviceData data, int... shape) {
        int n = checkedNumel(shape);
        if (n != data.size()) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " has " + n + " elements but the device data has " + data.size());
        }
        return new Tensor(DType.F32, shape.clone(), contiguousStrides(shape), 0, null, null, data);
    }

    /** Contiguous (row-major) strides of a shape. */
    public static long[] contiguousStrides(int[] shape) {
        long[] s = new long[shape.length];
        long acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= shape[i];
        }
        return s;
    }

    private static int checkedNumel(int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            n *= d;
            if (n > Integer.MAX_VALUE - 16) throw new IllegalArgumentException("tensor too large: " + Arrays.toString(shape));
        }
        return (int) n;
    }

    // ---------------------------------------------------------------- accessors

    public DType dtype() {
        return dtype;
    }

    /** A copy of the shape. */
    public int[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    /** Size of dimension {@code d}; negative counts from the end. */
    public int dim(int d) {
        return shape[d < 0 ? shape.length + d : d];
    }

    /** Stride (in elements) of dimension {@code d}; negative counts from the end. */
    public long stride(int d) {
        return strides[d < 0 ? strides.length + d : d];
    }

    /** Offset of element 0 in the storage, in elements. */
    public long offset() {
        return offset;
    }

    public int numel() {
        int n = 1;
        for (int d : shape) n *= d;
        return n;
    }

    /** True if the F32 heap array backs this tensor (for device data: once read, which {@link #array()} does). */
    public boolean isHeapF32() {
        return array != null || device != null;
    }

    /**
     * The backing F32 array (shared, not copied); null for segment-backed tensors. Index with {@link #offset()} and strides.
     * For device data this is the host read: the data is downloaded once (see {@link DeviceData#hostArray()}).
     */
    public float[] array() {
        if (array != null) return array;
        return device == null ? null : device.hostArray();
    }

    /** True if a backend holds this tensor's data on its device ({@link #deviceData()}). */
    public boolean isOnDevice() {
        return device != null;
    }

    /** The device storage (shared by all views), or null for heap and segment tensors. */
    public DeviceData deviceData() {
        return device;
    }

    /** The backing segment (shared); null for heap tensors. */
    public MemorySegment segment() {
        return segment;
    }

    /** True if the elements lie in row-major order without gaps from {@link #offset()}. */
    public boolean isContiguous() {
        long expect = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && strides[i] != expect) return false;
            expect *= shape[i];
        }
        return true;
    }

    // ---------------------------------------------------------------- element access (slow path; kernels index storage directly)

    private long index(int... idx) {
        if (idx.length != shape.length) throw new IllegalArgumentException("index rank " + idx.length + " != tensor rank " + shape.length);
        long p = offset;
        for (int i = 0; i < idx.length; i++) {
            if (idx[i] < 0 || idx[i] >= shape[i]) throw new IndexOutOfBoundsException("index " + Arrays.toString(idx) + " out of shape " + Arrays.toString(shape));
            p += idx[i] * strides[i];
        }
        return p;
    }

    /** Element at a multi-index, converted to float. */
    public float get(int... idx) {
        return readFloat(index(idx));
    }

    /** Sets one element of an F32 heap tensor. */
    public void set(float v, int... idx) {
        if (array == null) throw new UnsupportedOperationException(device != null ? "a device tensor is read-only" : "only F32 heap tensors are writable");
        array[(int) index(idx)] = v;
    }

    /** Reads the element at storage position {@code p} (in elements) as float, whatever the dtype. */
    public float readFloat(long p) {
        if (array != null) return array[(int) p];
        if (device != null) return device.hostArray()[(int) p];
        return switch (dtype) {
            case F32 -> segment.get(F32_LE, p * 4);
            case BF16 -> bf16ToFloat(segment.get(I16_LE, p * 2));
            case F16 -> Float.float16ToFloat(segment.get(I16_LE, p * 2));
            case F64 -> (float) segment.get(F64_LE, p * 8);
            case I64 -> (float) segment.get(I64_LE, p * 8);
            case I32 -> (float) segment.get(I32_LE, p * 4);
            case I16 -> segment.get(I16_LE, p * 2);
            case I8 -> segment.get(ValueLayout.JAVA_BYTE, p);
            case U8, BOOL -> segment.get(ValueLayout.JAVA_BYTE, p) & 0xff;
        };
    }

    /** Reads the element at storage position {@code p} as a long (integer dtypes exactly). */
    public long readLong(long p) {
        if (array != null) return (long) array[(int) p];
        if (device != null) return (long) device.hostArray()[(int) p];
        return switch (dtype) {
            case I64 -> segment.get(I64_LE, p * 8);
            case I32 -> segment.get(I32_LE, p * 4);
            case I16 -> segment.get(I16_LE, p * 2);
            case I8 -> segment.get(ValueLayout.JAVA_BYTE, p);
            case U8, BOOL -> segment.get(ValueLayout.JAVA_BYTE, p) & 0xff;
            default -> (long) readFloat(p);
        };
    }

    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }

    /** Rounds to nearest-even bf16 (NaN stays NaN), as torch does. */
    public static short floatToBf16(float f) {
        int b = Float.floatToRawIntBits(f);
        if ((b & 0x7fffffff) > 0x7f800000) return (short) ((b >>> 16) | 0x40);
        int rounding = 0x7fff + ((b >>> 16) & 1);
        return (short) ((b + rounding) >>> 16);
    }

    // ---------------------------------------------------------------- views

    /** Same storage, new shape; requires a contiguous tensor. One dimension may be -1. */
    public Tensor reshape(int... newShape) {
        int[] s = newShape.clone();
        int n = numel();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < s.length; i++) {
            if (s[i] == -1) {
                if (infer >= 0) throw new IllegalArgumentException("more than one -1 in " + Arrays.toString(newShape));
                infer = i;
            } else known *= s[i];
        }
        if (infer >= 0) {
            if (known == 0 || n % known != 0) throw new IllegalArgumentException("cannot reshape " + Arrays.toString(shape) + " to " + Arrays.toString(newShape));
            s[infer] = (int) (n / known);
        }
        if (checkedNumel(s) != n) throw new IllegalArgumentException("cannot reshape " + Arrays.toString(shape) + " to " + Arrays.toString(newShape));
        if (!isContiguous()) throw new IllegalStateException("reshape of a non-contiguous tensor; call contiguous() first");
        return new Tensor(dtype, s, contiguousStrides(s), offset, array, segment, device);
    }

    /** Swaps two dimensions (a view). */
    public Tensor transpose(int d0, int d1) {
        int r = shape.length;
        d0 = d0 < 0 ? r + d0 : d0;
        d1 = d1 < 0 ? r + d1 : d1;
        int[] p = new int[r];
        for (int i = 0; i < r; i++) p[i] = i;
        p[d0] = d1;
        p[d1] = d0;
        return permute(p);
    }

    /** Reorders dimensions (a view): result dim i is this tensor's dim {@code order[i]}. */
    public Tensor permute(int... order) {
        if (order.length != shape.length) throw new IllegalArgumentException("permute needs " + shape.length + " dims");
        int[] s = new int[order.length];
        long[] st = new long[order.length];
        boolean[] seen = new boolean[order.length];
        for (int i = 0; i < order.length; i++) {
            if (seen[order[i]]) throw new IllegalArgumentException("repeated dim in " + Arrays.toString(order));
            seen[order[i]] = true;
            s[i] = shape[order[i]];
            st[i] = strides[order[i]];
        }
        return new Tensor(dtype, s, st, offset, array, segment, device);
    }

    /** Elements {@code start .. start+length-1} along {@code dim} (a view). */
    public Tensor narrow(int dim, int start, int length) {
        dim = dim < 0 ? shape.length + dim : dim;
        if (start < 0 || length < 0 || start + length > shape[dim]) {
            throw new IndexOutOfBoundsException("narrow(" + dim + ", " + start + ", " + length + ") of shape " + Arrays.toString(shape));
        }
        int[] s = shape.clone();
        s[dim] = length;
        return new Tensor(dtype, s, strides.clone(), offset + start * strides[dim], array, segment, device);
    }

    /** Index {@code i} of dimension {@code dim}, which is removed (a view). */
    public Tensor select(int dim, int i) {
        dim = dim < 0 ? shape.length + dim : dim;
        Tensor n = narrow(dim, i, 1);
        int[] s = new int[shape.length - 1];
        long[] st = new long[shape.length - 1];
        for (int a = 0, b = 0; a < shape.length; a++) {
            if (a == dim) continue;
            s[b] = n.shape[a];
            st[b++] = n.strides[a];
        }
        return new Tensor(dtype, s, st, n.offset, array, segment, device);
    }

    /** Adds a dimension of size 1 at {@code dim} (a view). */
    public Tensor unsqueeze(int dim) {
        dim = dim < 0 ? shape.length + 1 + dim : dim;
        int[] s = new int[shape.length + 1];
        long[] st = new long[shape.length + 1];
        for (int a = 0, b = 0; a < s.length; a++) {
            if (a == dim) {
                s[a] = 1;
                st[a] = (b < shape.length ? strides[b] * shape[b] : 1);
            } else {
                s[a] = shape[b];
                st[a] = strides[b++];
            }
        }
        return new Tensor(dtype, s, st, offset, array, segment, device);
    }

    // ---------------------------------------------------------------- copies

    /**
     * This tensor as a contiguous F32 heap tensor: itself when it already is one at offset 0, else a copy.
     * Device data stays on the device: itself when it covers its whole storage in order, else the
     * owner's device copy ({@link DeviceData#contiguous}) when it makes one.
     */
    public Tensor contiguous() {
        if (array != null && offset == 0 && isContiguous() && array.length == numel()) return this;
        if (device != null) {
            if (offset == 0 && isContiguous() && device.size() == numel()) return this;
            Tensor t = device.contiguous(this);
            if (t != null) return t;
        }
        return Tensor.of(toFloatArray(), shape);
    }

    /** A new row-major float[] of all elements, converted from the storage dtype. */
    public float[] toFloatArray() {
        int n = numel();
        float[] out = new float[n];
        float[] a = array();
        if (a != null && isContiguous()) {
            System.arraycopy(a, (int) offset, out, 0, n);
            return out;
        }
        int r = shape.length;
        int[] idx = new int[r];
        for (int i = 0; i < n; i++) {
            long p = offset;
            for (int d = 0; d < r; d++) p += idx[d] * strides[d];
            out[i] = readFloat(p);
            for (int d = r - 1; d >= 0; d--) {
                if (++idx[d] < shape[d]) break;
                idx[d] = 0;
            }
        }
        return out;
    }

    /** A new row-major long[] of all elements (integer dtypes exactly). */
    public long[] toLongArray() {
        int n = numel();
        long[] out = new long[n];
        int r = shape.length;
        int[] idx = new int[r];
        for (int i = 0; i < n; i++) {
            long p = offset;
            for (int d = 0; d < r; d++) p += idx[d] * strides[d];
            out[i] = readLong(p);
            for (int d = r - 1; d >= 0; d--) {
                if (++idx[d] < shape[d]) break;
                idx[d] = 0;
            }
        }
        return out;
    }

    /** Same as {@link #toLongArray()} narrowed to int, failing if a value does not fit. */
    public int[] toIntArray() {
        long[] l = toLongArray();
        int[] out = new int[l.length];
        for (int i = 0; i < l.length; i++) {
            if (l[i] != (int) l[i]) throw new ArithmeticException("value " + l[i] + " at flat index " + i + " does not fit in int");
            out[i] = (int) l[i];
        }
        return out;
    }

    @Override
    public String toString() {
        return "Tensor(" + dtype + ", " + Arrays.toString(shape) + (array != null ? ", heap" : device != null ? ", device" : ", segment") + ")";
    }
}
