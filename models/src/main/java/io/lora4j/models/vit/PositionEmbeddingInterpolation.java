package io.lora4j.models.vit;

import io.lora4j.engine.Tensor;

/**
 * HF's {@code ViTEmbeddings.interpolate_pos_encoding}: the patch part of the position embeddings, seen
 * as a D-channel g×g image, resized to the new patch grid with torch's bicubic
 * ({@code F.interpolate(mode="bicubic", align_corners=False)}: A = -0.75, source = (dst + 0.5)·in/out − 0.5,
 * border-clamped taps, no antialiasing); the class-token position is kept.
 */
public final class PositionEmbeddingInterpolation {
    private PositionEmbeddingInterpolation() {}

    private static final double A = -0.75;

    /**
     * @param pos [1, 1 + g·g, D] (any float dtype)
     * @return [1, 1 + newH·newW, D] F32
     */
    public static Tensor interpolate(Tensor pos, int newH, int newW) {
        int n = pos.dim(1) - 1, d = pos.dim(2);
        int g = (int) Math.round(Math.sqrt(n));
        if (g * g != n) throw new IllegalArgumentException("position embeddings have " + n + " patch positions, not a square grid");
        float[] src = pos.contiguous().toFloatArray();
        float[] out = new float[(1 + newH * newW) * d];
        System.arraycopy(src, 0, out, 0, d);
        double sy = (double) g / newH, sx = (double) g / newW;
        double[] wy = new double[4], wx = new double[4];
        for (int oy = 0; oy < newH; oy++) {
            double ry = sy * (oy + 0.5) - 0.5;
            int iy = (int) Math.floor(ry);
            coeffs(ry - iy, wy);
            for (int ox = 0; ox < newW; ox++) {
                double rx = sx * (ox + 0.5) - 0.5;
                int ix = (int) Math.floor(rx);
                coeffs(rx - ix, wx);
                int o = (1 + oy * newW + ox) * d;
                for (int c = 0; c < d; c++) {
                    double acc = 0;
                    for (int a = 0; a < 4; a++) {
                        int y = clamp(iy - 1 + a, g);
                        double row = 0;
                        for (int b = 0; b < 4; b++) {
                            int x = clamp(ix - 1 + b, g);
                            row += wx[b] * src[(1 + y * g + x) * d + c];
                        }
                        acc += wy[a] * row;
                    }
                    out[o + c] = (float) acc;
                }
            }
        }
        return Tensor.of(out, 1, 1 + newH * newW, d);
    }

    private static int clamp(int i, int size) {
        return Math.max(0, Math.min(size - 1, i));
    }

    private static void coeffs(double t, double[] w) {
        w[0] = conv2(t + 1);
        w[1] = conv1(t);
        w[2] = conv1(1 - t);
        w[3] = conv2(2 - t);
    }

    private static double conv1(double x) {
        return ((A + 2) * x - (A + 3)) * x * x + 1;
    }

    private static double conv2(double x) {
        return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
    }
}
