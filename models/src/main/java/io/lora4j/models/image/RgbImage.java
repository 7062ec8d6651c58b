package io.lora4j.models.image;

/**
 * An 8-bit RGB image, row-major, interleaved (height × width × 3), as PIL's {@code np.array(img.convert("RGB"))}.
 *
 * @param pixels r, g, b bytes (unsigned) of each pixel, rows top to bottom
 */
public record RgbImage(int width, int height, byte[] pixels) {
    public RgbImage {
        if (width <= 0 || height <= 0) throw new IllegalArgumentException("image size " + width + "×" + height);
        if (pixels.length != width * height * 3) {
            throw new IllegalArgumentException("RGB image " + width + "×" + height + " needs " + width * height * 3 + " bytes, got " + pixels.length);
        }
    }

    /** Channel {@code c} (0 r, 1 g, 2 b) of pixel (x, y), 0..255. */
    public int get(int x, int y, int c) {
        return pixels[(y * width + x) * 3 + c] & 0xff;
    }
}
