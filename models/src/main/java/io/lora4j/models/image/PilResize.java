package io.lora4j.models.image;

import io.lora4j.engine.BadInputException;

/**
 * Pillow's {@code Image.resize} for 8-bit RGB, reimplemented to give the same bytes: a separable
 * two-pass convolution (horizontal first) whose filter support grows with the downscale factor
 * (antialiasing), coefficients normalized per output pixel and rounded to 22-bit fixed point, each pass
 * rounding and clipping to 0..255 (Pillow's {@code Resample.c}: precompute_coeffs,
 * normalize_coeffs_8bpc, ImagingResampleHorizontal/Vertical_8bpc). NEAREST follows Pillow's affine
 * scale: source = floor((dst + 0.5)·in/out).
 */
public final class PilResize {
    private PilResize() {}

    private static final int PRECISION_BITS = 32 - 8 - 2;

    /** PIL's resampling filters with their {@code PIL.Image.Resampling} numbers (as preprocessor_config.json stores them). */
    public enum Filter {
        NEAREST(0, 0), LANCZOS(1, 3), BILINEAR(2, 1), BICUBIC(3, 2), BOX(4, 0.5), HAMMING(5, 1);

        final int pilId;
        final double support;

        Filter(int pilId, double support) {
            this.pilId = pilId;
            this.support = support;
        }

        public int pilId() {
            return pilId;
        }

        /** The filter PIL numbers {@code id}. */
        public static Filter ofPil(int id) {
            for (Filter f : values()) if (f.pilId == id) return f;
            throw new BadInputException("resample " + id + " is not a PIL filter (0 nearest, 1 lanczos, 2 bilinear, 3 bicubic, 4 box, 5 hamming)");
        }

        double apply(double x) {
            switch (this) {
                case BOX:
                    return x > -0.5 && x <= 0.5 ? 1.0 : 0.0;
                case BILINEAR:
                    if (x < 0) x = -x;
                    return x < 1 ? 1 - x : 0;
                case HAMMING:
                    if (x < 0) x = -x;
                    if (x == 0) return 1;
                    if (x >= 1) return 0;
                    x = x * Math.PI;
                    return Math.sin(x) / x * (0.54 + 0.46 * Math.cos(x));
                case BICUBIC: {
                    final double a = -0.5;
                    if (x < 0) x = -x;
                    if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
                    if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
                    return 0;
                }
                case LANCZOS:
                    return -3 <= x && x < 3 ? sinc(x) * sinc(x / 3) : 0;
                default:
                    throw new IllegalStateException();
            }
        }

        private static double sinc(double x) {
            if (x == 0) return 1;
            x = x * Math.PI;
            return Math.sin(x) / x;
        }
    }

    /** {@code img} resized to {@code width}×{@code height} as Pillow's {@code img.resize((width, height), filter)}. */
    public static RgbImage resize(RgbImage img, int width, int height, Filter filter) {
        if (width <= 0 || height <= 0) throw new BadInputException("resize target " + width + "×" + height + " must be positive");
        if (filter == Filter.NEAREST) return nearest(img, width, height);
        int[] src = new int[img.pixels().length];
        for (int i = 0; i < src.length; i++) src[i] = img.pixels()[i] & 0xff;
        int w = img.width(), h = img.height();
        if (width != w) {
            src = horizontal(src, w, h, width, coeffs(w, width, filter));
            w = width;
        }
        if (height != h) {
            src = vertical(src, w, h, height, coeffs(h, height, filter));
            h = height;
        }
        byte[] out = new byte[src.length];
        for (int i = 0; i < out.length; i++) out[i] = (byte) src[i];
        return new RgbImage(w, h, out);
    }

    /** Per output position: xmin, count and the fixed-point weights (Pillow's precompute_coeffs + normalize_coeffs_8bpc). */
    private record Coeffs(int[] bounds, int[] k, int ksize) {}

    private static Coeffs coeffs(int inSize, int outSize, Filter f) {
        double scale = (double) inSize / outSize;
        double filterscale = Math.max(scale, 1.0);
        double support = f.support * filterscale;
        int ksize = (int) Math.ceil(support) * 2 + 1;
        int[] bounds = new int[outSize * 2];
        int[] kk = new int[outSize * ksize];
        double[] k = new double[ksize];
        for (int xx = 0; xx < outSize; xx++) {
            double center = (xx + 0.5) * scale;
            double ww = 0, ss = 1.0 / filterscale;
            int xmin = (int) (center - support + 0.5);
            if (xmin < 0) xmin = 0;
            int xmax = (int) (center + support + 0.5);
            if (xmax > inSize) xmax = inSize;
            xmax -= xmin;
            for (int x = 0; x < xmax; x++) {
                double wv = f.apply((x + xmin - center + 0.5) * ss);
                k[x] = wv;
                ww += wv;
            }
            for (int x = 0; x < ksize; x++) {
                double v = x < xmax ? (ww != 0 ? k[x] / ww : k[x]) : 0;
                kk[xx * ksize + x] = v < 0 ? (int) (-0.5 + v * (1 << PRECISION_BITS)) : (int) (0.5 + v * (1 << PRECISION_BITS));
            }
            bounds[xx * 2] = xmin;
            bounds[xx * 2 + 1] = xmax;
        }
        return new Coeffs(bounds, kk, ksize);
    }

    private static int clip8(int v) {
        int s = v >> PRECISION_BITS;
        return s < 0 ? 0 : Math.min(s, 255);
    }

    private static int[] horizontal(int[] in, int w, int h, int outW, Coeffs c) {
        int[] out = new int[outW * h * 3];
        for (int y = 0; y < h; y++) {
            for (int xx = 0; xx < outW; xx++) {
                int xmin = c.bounds[xx * 2], xmax = c.bounds[xx * 2 + 1], ko = xx * c.ksize;
                for (int ch = 0; ch < 3; ch++) {
                    int ss = 1 << (PRECISION_BITS - 1);
                    for (int x = 0; x < xmax; x++) ss += in[(y * w + x + xmin) * 3 + ch] * c.k[ko + x];
                    out[(y * outW + xx) * 3 + ch] = clip8(ss);
                }
            }
        }
        return out;
    }

    private static int[] vertical(int[] in, int w, int h, int outH, Coeffs c) {
        int[] out = new int[w * outH * 3];
        for (int yy = 0; yy < outH; yy++) {
            int ymin = c.bounds[yy * 2], ymax = c.bounds[yy * 2 + 1], ko = yy * c.ksize;
            for (int x = 0; x < w; x++) {
                for (int ch = 0; ch < 3; ch++) {
                    int ss = 1 << (PRECISION_BITS - 1);
                    for (int y = 0; y < ymax; y++) ss += in[((y + ymin) * w + x) * 3 + ch] * c.k[ko + y];
                    out[(yy * w + x) * 3 + ch] = clip8(ss);
                }
            }
        }
        return out;
    }

    private static RgbImage nearest(RgbImage img, int width, int height) {
        double sx = (double) img.width() / width, sy = (double) img.height() / height;
        byte[] out = new byte[width * height * 3];
        for (int y = 0; y < height; y++) {
            int iy = Math.min(img.height() - 1, (int) (sy * 0.5 + sy * y));
            for (int x = 0; x < width; x++) {
                int ix = Math.min(img.width() - 1, (int) (sx * 0.5 + sx * x));
                System.arraycopy(img.pixels(), (iy * img.width() + ix) * 3, out, (y * width + x) * 3, 3);
            }
        }
        return new RgbImage(width, height, out);
    }
}
