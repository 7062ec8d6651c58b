package io.lora4j.optim;

/** Classic test functions (minimum 0). */
final class TestFunctions {
    private TestFunctions() {}

    static double sphere(double[] x) {
        double s = 0;
        for (double v : x) s += v * v;
        return s;
    }

    /** Axis-parallel ellipsoid with condition 10^6: Σ 10^(6 i/(n-1)) x_i². */
    static double ellipsoid(double[] x) {
        int n = x.length;
        double s = 0;
        for (int i = 0; i < n; i++) s += Math.pow(10, 6.0 * i / (n - 1)) * x[i] * x[i];
        return s;
    }

    static double rosenbrock(double[] x) {
        double s = 0;
        for (int i = 0; i + 1 < x.length; i++) {
            double a = x[i + 1] - x[i] * x[i], b = 1 - x[i];
            s += 100 * a * a + b * b;
        }
        return s;
    }

    static double rastrigin(double[] x) {
        double s = 10 * x.length;
        for (double v : x) s += v * v - 10 * Math.cos(2 * Math.PI * v);
        return s;
    }

    static double[] filled(int n, double v) {
        double[] x = new double[n];
        java.util.Arrays.fill(x, v);
        return x;
    }
}
