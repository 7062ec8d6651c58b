package io.lora4j.adapters.glora;

import io.lora4j.engine.Tensor;
import io.lora4j.engine.io.TensorSource;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The supernet tensors of one layer with O outputs, I inputs and supernet rank R (METHODS.md §2):
 * Ad [O×R], Au [R×I], Bd [O×R], Bu [R×I], Cd [I×R], Cu [R×1], D [O], E [O]. All F32 heap tensors.
 */
public record GloraLayerWeights(LayerShape shape, int rank, Tensor ad, Tensor au, Tensor bd, Tensor bu, Tensor cd, Tensor cu, Tensor d, Tensor e) {

    /** The tensor names' suffixes, in file order: {@code <layer>.Ad}, ... */
    public static final String[] SUFFIXES = {"Ad", "Au", "Bd", "Bu", "Cd", "Cu", "D", "E"};

    public GloraLayerWeights {
        int o = shape.out(), i = shape.in(), r = rank;
        check(ad, "Ad", o, r);
        check(au, "Au", r, i);
        check(bd, "Bd", o, r);
        check(bu, "Bu", r, i);
        check(cd, "Cd", i, r);
        check(cu, "Cu", r, 1);
        check(d, "D", o);
        check(e, "E", o);
    }

    private static void check(Tensor t, String n, int... s) {
        if (!java.util.Arrays.equals(t.shape(), s)) {
            throw new IllegalArgumentException(n + " must be " + java.util.Arrays.toString(s) + ", got " + java.util.Arrays.toString(t.shape()));
        }
        if (!t.isHeapF32() || !t.isContiguous() || t.offset() != 0) throw new IllegalArgumentException(n + " must be a contiguous F32 heap tensor");
    }

    /** Shapes of the eight tensors for a layer, in {@link #SUFFIXES} order. */
    public static int[][] shapes(LayerShape s, int rank) {
        int o = s.out(), i = s.in();
        return new int[][] {{o, rank}, {rank, i}, {o, rank}, {rank, i}, {i, rank}, {rank, 1}, {o}, {o}};
    }

    /**
     * A fresh layer as METHODS.md initializes it: Ad, Bd, Cd, D, E zeros; Au, Bu, Cu Xavier-uniform
     * (bound √(6/(fan_in+fan_out)), fan_in = columns, fan_out = rows, as torch). Every path starts at zero.
     */
    public static GloraLayerWeights init(LayerShape s, int rank, SplittableRandom rng) {
        int o = s.out(), i = s.in();
        return new GloraLayerWeights(s, rank, Tensor.zeros(o, rank), xavier(rng, rank, i), Tensor.zeros(o, rank), xavier(rng, rank, i),
                Tensor.zeros(i, rank), xavier(rng, rank, 1), Tensor.zeros(o), Tensor.zeros(o));
    }

    private static Tensor xavier(SplittableRandom rng, int rows, int cols) {
        double bound = Math.sqrt(6.0 / (rows + cols));
        float[] v = new float[rows * cols];
        for (int k = 0; k < v.length; k++) v[k] = (float) ((rng.nextDouble() * 2 - 1) * bound);
        return Tensor.of(v, rows, cols);
    }

    /** Reads {@code <layer>.Ad} ... from {@code src} with shape checks (any float dtype; copied to F32). */
    public static GloraLayerWeights read(TensorSource src, LayerShape s, int rank) {
        int[][] sh = shapes(s, rank);
        Tensor[] t = new Tensor[8];
        for (int k = 0; k < 8; k++) t[k] = copy(src.get(s.name() + "." + SUFFIXES[k], sh[k]));
        return new GloraLayerWeights(s, rank, t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7]);
    }

    private static Tensor copy(Tensor t) {
        return Tensor.of(t.toFloatArray(), t.shape());
    }

    /** The eight tensors by full name ({@code <layer>.Ad} ...), in {@link #SUFFIXES} order. */
    public Map<String, Tensor> tensors() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        Tensor[] t = {ad, au, bd, bu, cd, cu, d, e};
        for (int k = 0; k < 8; k++) m.put(shape.name() + "." + SUFFIXES[k], t[k]);
        return m;
    }
}
