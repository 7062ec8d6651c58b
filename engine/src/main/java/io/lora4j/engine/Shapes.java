package io.lora4j.engine;

import java.util.Arrays;

/** Shape arithmetic shared by backends: broadcasting, products, checks. */
public final class Shapes {
    private Shapes() {}

    /** Product of dims [from, to). */
    public static int prod(int[] shape, int from, int to) {
        int p = 1;
        for (int i = from; i < to; i++) p *= shape[i];
        return p;
    }

    /** The numpy broadcast of two shapes, or an error naming both. */
    public static int[] broadcast(int[] a, int[] b) {
        int r = Math.max(a.length, b.length);
        int[] out = new int[r];
        for (int i = 0; i < r; i++) {
            int da = i - (r - a.length) >= 0 ? a[i - (r - a.length)] : 1;
            int db = i - (r - b.length) >= 0 ? b[i - (r - b.length)] : 1;
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException("shapes " + Arrays.toString(a) + " and " + Arrays.toString(b) + " do not broadcast");
            }
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    /**
     * Strides (in elements) to read {@code t} as if it had shape {@code target} (numpy broadcasting):
     * broadcast dims get stride 0.
     */
    public static long[] broadcastStrides(Tensor t, int[] target) {
        int r = target.length, tr = t.rank();
        long[] s = new long[r];
        for (int i = 0; i < r; i++) {
            int j = i - (r - tr);
            if (j < 0 || t.dim(j) == 1) s[i] = 0;
            else s[i] = t.stride(j);
        }
        return s;
    }

    /** Checks the operands of {@link Backend#attention}: q [B, Tq, H·d], k and v [B, Tk, H·d]. */
    public static void checkAttention(Tensor q, Tensor k, Tensor v, int heads) {
        if (q.rank() != 3 || k.rank() != 3 || v.rank() != 3) {
            throw new IllegalArgumentException("attention: q, k, v must be [B, T, H·d], got " + Arrays.toString(q.shape()) + ", "
                    + Arrays.toString(k.shape()) + ", " + Arrays.toString(v.shape()));
        }
        if (heads < 1 || q.dim(2) % heads != 0) throw new IllegalArgumentException("attention: " + q.dim(2) + " columns for " + heads + " heads");
        if (!Arrays.equals(k.shape(), v.shape()) || k.dim(0) != q.dim(0) || k.dim(2) != q.dim(2)) {
            throw new IllegalArgumentException("attention: q " + Arrays.toString(q.shape()) + ", k " + Arrays.toString(k.shape()) + ", v "
                    + Arrays.toString(v.shape()) + " (k and v [B, Tk, H·d] with q's B and H·d)");
        }
    }

    /** Fails unless the last dim of {@code t} equals {@code n}. */
    public static void requireLastDim(Tensor t, int n, String what) {
        if (t.rank() == 0 || t.dim(-1) != n) {
            throw new IllegalArgumentException(what + ": expected last dim " + n + " but shape is " + Arrays.toString(t.shape()));
        }
    }
}
