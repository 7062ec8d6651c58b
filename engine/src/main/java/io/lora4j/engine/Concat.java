package io.lora4j.engine;

import java.util.Arrays;

/** Concatenation along one dimension (a copy); shared by backends since it is pure data movement. */
final class Concat {
    private Concat() {}

    static Tensor concat(int dim, Tensor... parts) {
        if (parts.length == 0) throw new IllegalArgumentException("concat of nothing");
        int r = parts[0].rank();
        int d = dim < 0 ? r + dim : dim;
        int[] shape = parts[0].shape();
        int total = 0;
        for (Tensor t : parts) {
            if (t.rank() != r) throw new IllegalArgumentException("concat: ranks differ");
            for (int i = 0; i < r; i++) {
                if (i != d && t.dim(i) != shape[i]) throw new IllegalArgumentException("concat along " + d + ": " + Arrays.toString(t.shape()) + " vs " + Arrays.toString(shape));
            }
            total += t.dim(d);
        }
        shape[d] = total;
        int outer = Shapes.prod(shape, 0, d), inner = Shapes.prod(shape, d + 1, r);
        float[] out = new float[outer * total * inner];
        int at = 0;
        for (Tensor t : parts) {
            float[] src = t.toFloatArray();
            int len = t.dim(d) * inner;
            for (int o = 0; o < outer; o++) System.arraycopy(src, o * len, out, o * total * inner + at, len);
            at += len;
        }
        return Tensor.of(out, shape);
    }
}
