package io.lora4j.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.lora4j.engine.DType;
import io.lora4j.engine.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.SplittableRandom;

/** Seeded random tensors in every storage the kernels read, and a tolerance check. */
final class TestTensors {
    private TestTensors() {}

    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    static float[] uniform(SplittableRandom rnd, int n, double lo, double hi) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (lo + (hi - lo) * rnd.nextDouble());
        return v;
    }

    static Tensor rand(SplittableRandom rnd, int... shape) {
        return Tensor.of(uniform(rnd, Arrays.stream(shape).reduce(1, (a, b) -> a * b), -1, 1), shape);
    }

    /** The values of {@code t} stored as {@code dtype} in a (native, little-endian) segment, rounded as that dtype. */
    static Tensor asSegment(Tensor t, DType dtype) {
        float[] v = t.toFloatArray();
        MemorySegment seg = Arena.ofAuto().allocate((long) v.length * dtype.byteSize(), 8);
        for (int i = 0; i < v.length; i++) {
            switch (dtype) {
                case F32 -> seg.set(F32, 4L * i, v[i]);
                case BF16 -> seg.set(I16, 2L * i, Tensor.floatToBf16(v[i]));
                case F16 -> seg.set(I16, 2L * i, Float.floatToFloat16(v[i]));
                default -> throw new IllegalArgumentException(dtype.toString());
            }
        }
        return Tensor.ofSegment(seg, dtype, t.shape());
    }

    /** Weight storage variants: heap F32, segment F32, BF16, F16. */
    static Tensor weight(Tensor w, String kind) {
        return switch (kind) {
            case "heap" -> w;
            case "segF32" -> asSegment(w, DType.F32);
            case "bf16" -> asSegment(w, DType.BF16);
            case "f16" -> asSegment(w, DType.F16);
            default -> throw new IllegalArgumentException(kind);
        };
    }

    /** The same values as a non-contiguous view: stored transposed and transposed back. */
    static Tensor transposedView(Tensor t) {
        if (t.rank() < 2) return t;
        Tensor tt = t.transpose(-1, -2).contiguous();
        return tt.transpose(-1, -2);
    }

    /** The same values as a narrowed view of a larger buffer (offset ≠ 0, row stride > width). */
    static Tensor paddedView(Tensor t) {
        int[] s = t.shape();
        int r = s.length;
        int[] big = s.clone();
        big[r - 1] += 3;
        Tensor b = Tensor.zeros(big);
        float[] v = t.toFloatArray();
        int d = s[r - 1], rows = d == 0 ? 0 : v.length / d;
        for (int i = 0; i < rows; i++) System.arraycopy(v, i * d, b.array(), i * (d + 3) + 2, d);
        return b.narrow(r - 1, 2, d);
    }

    /** Fails unless shapes match and |got − ref| ≤ atol + rtol·|ref| element-wise (NaN must match NaN). */
    static void assertClose(String what, Tensor ref, Tensor got, double atol, double rtol) {
        assertArrayEquals(ref.shape(), got.shape(), what + ": shape");
        assertClose(what, ref.toFloatArray(), got.toFloatArray(), atol, rtol);
    }

    static void assertClose(String what, float[] ref, float[] got, double atol, double rtol) {
        if (ref.length != got.length) fail(what + ": length " + got.length + " != " + ref.length);
        for (int i = 0; i < ref.length; i++) {
            float e = ref[i], g = got[i];
            if (Float.isNaN(e) || Float.isNaN(g)) {
                if (Float.isNaN(e) != Float.isNaN(g)) fail(what + ": at " + i + " expected " + e + " got " + g);
                continue;
            }
            if (e == g) continue; // also equal infinities
            if (!(Math.abs(g - e) <= atol + rtol * Math.abs(e))) {
                fail(what + ": at flat index " + i + " expected " + e + " got " + g + " (|diff| " + Math.abs(g - e) + " > " + (atol + rtol * Math.abs(e)) + ")");
            }
        }
    }
}
