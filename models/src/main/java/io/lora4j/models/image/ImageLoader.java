package io.lora4j.models.image;

import io.lora4j.engine.BadInputException;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * Reads PNG / JPEG / BMP / GIF files with {@link ImageIO} into {@link RgbImage}, converting as PIL's
 * {@code Image.convert("RGB")} does: grayscale is replicated to three channels (raw samples, no gamma
 * conversion), alpha is dropped (not composited), palette images are looked up, 16-bit samples keep
 * their high byte. JPEG decoding differs from libjpeg's (PIL) by a few levels on some pixels; PNG is exact.
 * EXIF orientation is not applied.
 */
public final class ImageLoader {
    private ImageLoader() {}

    public static RgbImage read(Path file) {
        if (!Files.isRegularFile(file)) throw new BadInputException(file + ": no such image file");
        BufferedImage img;
        try (InputStream in = Files.newInputStream(file)) {
            img = ImageIO.read(in);
        } catch (IOException e) {
            throw new BadInputException(file + ": cannot decode image: " + e.getMessage());
        }
        if (img == null) throw new BadInputException(file + ": not an image format Java can read (PNG, JPEG, BMP, GIF)");
        return toRgb(img, file.toString());
    }

    /** Converts a decoded image as PIL's convert("RGB") would. */
    public static RgbImage toRgb(BufferedImage img, String origin) {
        int w = img.getWidth(), h = img.getHeight();
        byte[] out = new byte[w * h * 3];
        ColorModel cm = img.getColorModel();
        Raster r = img.getRaster();
        int bands = r.getNumBands();
        int bits = cm.getComponentSize(0);
        int shift = Math.max(0, bits - 8);
        if (cm instanceof IndexColorModel icm) {
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) {
                    int idx = r.getSample(x, y, 0);
                    int o = (y * w + x) * 3;
                    out[o] = (byte) icm.getRed(idx);
                    out[o + 1] = (byte) icm.getGreen(idx);
                    out[o + 2] = (byte) icm.getBlue(idx);
                }
        } else if (cm.getColorSpace().getType() == java.awt.color.ColorSpace.TYPE_GRAY && bands <= 2) {
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) {
                    byte v = (byte) (r.getSample(x, y, 0) >> shift);
                    int o = (y * w + x) * 3;
                    out[o] = v;
                    out[o + 1] = v;
                    out[o + 2] = v;
                }
        } else if (cm.getColorSpace().getType() == java.awt.color.ColorSpace.TYPE_RGB && bands >= 3) {
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) {
                    int o = (y * w + x) * 3;
                    for (int c = 0; c < 3; c++) out[o + c] = (byte) (r.getSample(x, y, c) >> shift);
                }
        } else {
            // anything else (CMYK JPEG via a plugin, ...): let Java2D convert to sRGB
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) {
                    int argb = img.getRGB(x, y);
                    int o = (y * w + x) * 3;
                    out[o] = (byte) (argb >> 16);
                    out[o + 1] = (byte) (argb >> 8);
                    out[o + 2] = (byte) argb;
                }
        }
        return new RgbImage(w, h, out);
    }
}
