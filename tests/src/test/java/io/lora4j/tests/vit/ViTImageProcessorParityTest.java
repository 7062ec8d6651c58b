package io.lora4j.tests.vit;

import static io.lora4j.tests.vit.VitFixtures.DIR;
import static io.lora4j.tests.vit.VitFixtures.expected;
import static io.lora4j.tests.vit.VitFixtures.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lora4j.engine.Tensor;
import io.lora4j.models.image.ImageLoader;
import io.lora4j.models.image.PilResize;
import io.lora4j.models.image.RgbImage;
import io.lora4j.models.image.ViTImageProcessor;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Preprocessing parity with HF's ViTImageProcessor (PIL backend) on the committed fixture images.
 * PNG (RGB, grayscale, RGBA): decode and pixel_values are bit-identical. JPEG: Java's decoder differs
 * from libjpeg's by a few levels, bounded below.
 */
class ViTImageProcessorParityTest {
    static final ViTImageProcessor BILINEAR = ViTImageProcessor.fromJson(DIR.resolve("hf-vit-cls/preprocessor_config.json"));
    static final ViTImageProcessor BICUBIC = ViTImageProcessor.fromJson(DIR.resolve("preprocessor_bicubic.json"));

    static RgbImage fromExpected(String key) {
        Tensor d = expected("decoded_" + key);
        float[] v = d.toFloatArray();
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) b[i] = (byte) (int) v[i];
        return new RgbImage(d.dim(1), d.dim(0), b);
    }

    static String file(String key) {
        return key.equals("photo") ? "photo.jpg" : key + ".png";
    }

    /** Resize + rescale + normalize of PIL's own decode: exact for every filter tested (bilinear, bicubic). */
    @ParameterizedTest
    @ValueSource(strings = {"rgb", "photo", "gray", "rgba"})
    void resizeMatchesPilExactly(String key) {
        RgbImage pil = fromExpected(key);
        assertEquals(0f, maxAbsDiff(BILINEAR.preprocess(List.of(pil)), expected("pixel_values_" + key)), "bilinear " + key);
        assertEquals(0f, maxAbsDiff(BICUBIC.preprocess(List.of(pil)), expected("pixel_values_bicubic_" + key)), "bicubic " + key);
    }

    @ParameterizedTest
    @ValueSource(strings = {"rgb", "gray", "rgba"})
    void pngDecodeAndPreprocessingAreExact(String key) {
        RgbImage img = ImageLoader.read(DIR.resolve("images").resolve(file(key)));
        assertEquals(0f, maxAbsDiff(toTensor(img), expected("decoded_" + key)), "decode " + key);
        assertEquals(0f, maxAbsDiff(BILINEAR.preprocessFiles(List.of(DIR.resolve("images").resolve(file(key)))), expected("pixel_values_" + key)));
    }

    /** JPEG: ImageIO vs libjpeg (Pillow). Bounds measured on photo.jpg (see docs/vit.md) with some headroom. */
    @org.junit.jupiter.api.Test
    void jpegWithinMeasuredBounds() {
        RgbImage img = ImageLoader.read(DIR.resolve("images/photo.jpg"));
        float decode = maxAbsDiff(toTensor(img), expected("decoded_photo"));
        float pv = maxAbsDiff(BILINEAR.preprocess(List.of(img)), expected("pixel_values_photo"));
        System.err.println("JPEG photo.jpg: decode max |diff| " + decode + " levels; pixel_values max |diff| " + pv);
        assertTrue(decode <= JPEG_DECODE_MAX, "JPEG decode max diff " + decode);
        assertTrue(pv <= JPEG_PIXEL_VALUES_MAX, "JPEG pixel_values max diff " + pv);
    }

    // measured on photo.jpg (JDK 25 ImageIO vs Pillow 12.3 / libjpeg-turbo): 0 and 0; the bounds leave room for decoder changes
    static final float JPEG_DECODE_MAX = 2f;          // levels of 255
    static final float JPEG_PIXEL_VALUES_MAX = 0.02f; // normalized units (1 level = 2/255 ≈ 0.0078 with std 0.5)

    @org.junit.jupiter.api.Test
    void batchOfMixedImagesIsTheFixtureBatch() {
        Tensor px = BILINEAR.preprocess(List.of(fromExpected("rgb"), fromExpected("photo"), fromExpected("gray"), fromExpected("rgba")));
        assertEquals(0f, maxAbsDiff(px, expected("pixel_values")));
    }

    @org.junit.jupiter.api.Test
    void nearestAndOtherFiltersKeepSizeAndRange() {
        RgbImage img = fromExpected("rgb");
        for (PilResize.Filter f : PilResize.Filter.values()) {
            RgbImage r = PilResize.resize(img, 20, 51, f);
            assertEquals(20, r.width());
            assertEquals(51, r.height());
        }
    }

    static Tensor toTensor(RgbImage img) {
        float[] v = new float[img.pixels().length];
        for (int i = 0; i < v.length; i++) v[i] = img.pixels()[i] & 0xff;
        return Tensor.of(v, img.height(), img.width(), 3);
    }
}
