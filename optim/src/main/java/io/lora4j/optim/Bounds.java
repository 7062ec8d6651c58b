package io.lora4j.optim;

import io.lora4j.engine.BadInputException;
import java.util.Arrays;

/** A box {@code lower[i] <= x[i] <= upper[i]}; infinite entries mean unbounded. */
public record Bounds(double[] lower, double[] upper) {
    public Bounds {
        if (lower.length != upper.length) throw new BadInputException("bounds: lower has " + lower.length + " entries, upper " + upper.length);
        for (int i = 0; i < lower.length; i++) {
            if (Double.isNaN(lower[i]) || Double.isNaN(upper[i]) || lower[i] > upper[i]) {
                throw new BadInputException("bounds: dimension " + i + " has lower " + lower[i] + " > upper " + upper[i]);
            }
        }
        lower = lower.clone();
        upper = upper.clone();
    }

    /** The same interval {@code [lo, hi]} in every one of {@code dim} dimensions. */
    public static Bounds box(int dim, double lo, double hi) {
        double[] l = new double[dim], u = new double[dim];
        Arrays.fill(l, lo);
        Arrays.fill(u, hi);
        return new Bounds(l, u);
    }

    /** No bounds in {@code dim} dimensions. */
    public static Bounds unbounded(int dim) {
        return box(dim, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY);
    }

    public int dimension() {
        return lower.length;
    }

    @Override
    public double[] lower() {
        return lower.clone();
    }

    @Override
    public double[] upper() {
        return upper.clone();
    }

    public double lower(int i) {
        return lower[i];
    }

    public double upper(int i) {
        return upper[i];
    }

    /** True if every dimension has finite bounds. */
    public boolean isFinite() {
        for (int i = 0; i < lower.length; i++) if (Double.isInfinite(lower[i]) || Double.isInfinite(upper[i])) return false;
        return true;
    }

    /** A copy of {@code x} with each coordinate clipped into its interval. */
    public double[] clip(double[] x) {
        double[] y = x.clone();
        for (int i = 0; i < y.length; i++) y[i] = Math.min(upper[i], Math.max(lower[i], y[i]));
        return y;
    }

    /** Reflects {@code x} into the box in place (mirror at each violated bound, repeatedly; period 2·width). */
    public void reflect(double[] x) {
        for (int i = 0; i < x.length; i++) x[i] = reflect(x[i], lower[i], upper[i]);
    }

    static double reflect(double v, double lo, double hi) {
        if (v >= lo && v <= hi) return v;
        if (Double.isInfinite(lo) && v > hi) return hi - (v - hi) < lo ? lo : hi - (v - hi);
        if (Double.isInfinite(hi) && v < lo) return lo + (lo - v);
        if (Double.isInfinite(lo) || Double.isInfinite(hi)) return Math.min(hi, Math.max(lo, v));
        double w = hi - lo;
        if (w == 0) return lo;
        double t = (v - lo) % (2 * w);
        if (t < 0) t += 2 * w;
        return t <= w ? lo + t : hi - (t - w);
    }

    /** Checks a point's dimension against these bounds; a BadInputException naming {@code what} otherwise. */
    void checkDimension(double[] x, String what) {
        if (x.length != lower.length) throw new BadInputException(what + " has " + x.length + " entries but the bounds have " + lower.length);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Bounds b && Arrays.equals(lower, b.lower) && Arrays.equals(upper, b.upper);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(lower) + Arrays.hashCode(upper);
    }

    @Override
    public String toString() {
        return "Bounds" + Arrays.toString(lower) + ".." + Arrays.toString(upper);
    }
}
