package io.lora4j.models.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lora4j.engine.BadInputException;
import io.lora4j.engine.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * HF's {@code ViTImageProcessor} (PIL backend) as configured by {@code preprocessor_config.json}:
 * resize (PIL filter {@code resample}, {@link PilResize}) to {@code size} ({height, width}, an int, or
 * {shortest_edge}), optional center crop ({@code do_center_crop}, {@code crop_size}), rescale
 * ({@code rescale_factor}, in double then rounded to float, as numpy does), normalize ((x − mean)/std in float)
 * → pixel_values [B, 3, H, W]. For PNG input the result equals HF's bit for bit (see docs/vit.md).
 */
public record ViTImageProcessor(boolean doResize, int height, int width, int shortestEdge, PilResize.Filter resample,
                                boolean doCenterCrop, int cropHeight, int cropWidth, boolean doRescale, double rescaleFactor,
                                boolean doNormalize, float[] mean, float[] std) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** HF's defaults for {@code ViTImageProcessor} at {@code size}×{@code size}: bilinear, mean = std = 0.5. */
    public static ViTImageProcessor defaults(int size) {
        return new ViTImageProcessor(true, size, size, 0, PilResize.Filter.BILINEAR, false, 0, 0, true, 1 / 255.0, true,
                new float[] {0.5f, 0.5f, 0.5f}, new float[] {0.5f, 0.5f, 0.5f});
    }

    /** Reads {@code preprocessor_config.json}. */
    public static ViTImageProcessor fromJson(Path file) {
        JsonNode n;
        try {
            n = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new BadInputException(file + ": not valid JSON: " + e.getMessage());
        }
        if (n == null || !n.isObject()) throw new BadInputException(file + ": expected a JSON object");
        return fromJson(n, file.toString());
    }

    public static ViTImageProcessor fromJson(JsonNode n, String origin) {
        int h = 224, w = 224, shortest = 0;
        JsonNode size = n.get("size");
        if (size != null && !size.isNull()) {
            if (size.isInt()) {
                h = w = size.asInt();
            } else if (size.has("height") && size.has("width")) {
                h = size.get("height").asInt();
                w = size.get("width").asInt();
            } else if (size.has("shortest_edge")) {
                shortest = size.get("shortest_edge").asInt();
                h = w = 0;
            } else {
                throw new BadInputException(origin + ": 'size' must be an int, {height, width} or {shortest_edge}, got " + size);
            }
        }
        int ch = 0, cw = 0;
        boolean crop = n.path("do_center_crop").asBoolean(false);
        if (crop) {
            JsonNode cs = n.get("crop_size");
            if (cs == null) throw new BadInputException(origin + ": do_center_crop needs crop_size");
            if (cs.isInt()) ch = cw = cs.asInt();
            else {
                ch = cs.path("height").asInt(0);
                cw = cs.path("width").asInt(0);
            }
        }
        PilResize.Filter f = PilResize.Filter.ofPil(n.path("resample").asInt(2));
        return new ViTImageProcessor(n.path("do_resize").asBoolean(true), h, w, shortest, f, crop, ch, cw,
                n.path("do_rescale").asBoolean(true), n.path("rescale_factor").asDouble(1 / 255.0),
                n.path("do_normalize").asBoolean(true), triple(n, "image_mean", origin), triple(n, "image_std", origin));
    }

    private static float[] triple(JsonNode n, String key, String origin) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) return new float[] {0.5f, 0.5f, 0.5f};
        if (v.isNumber()) return new float[] {(float) v.asDouble(), (float) v.asDouble(), (float) v.asDouble()};
        if (!v.isArray() || v.size() != 3) throw new BadInputException(origin + ": '" + key + "' must be a number or 3 numbers, got " + v);
        return new float[] {(float) v.get(0).asDouble(), (float) v.get(1).asDouble(), (float) v.get(2).asDouble()};
    }

    /** The resized (and cropped) 8-bit image, before rescale/normalize. */
    public RgbImage resizeAndCrop(RgbImage img) {
        RgbImage out = img;
        if (doResize) {
            int th = height, tw = width;
            if (shortestEdge > 0) { // HF get_resize_output_image_size(default_to_square=False)
                int s = Math.min(img.width(), img.height()), l = Math.max(img.width(), img.height());
                int ns = shortestEdge, nl = (int) ((long) shortestEdge * l / s);
                if (img.width() <= img.height()) {
                    tw = ns;
                    th = nl;
                } else {
                    th = ns;
                    tw = nl;
                }
            }
            out = PilResize.resize(img, tw, th, resample);
        }
        if (doCenterCrop) out = centerCrop(out, cropHeight, cropWidth);
        return out;
    }

    private static RgbImage centerCrop(RgbImage img, int ch, int cw) {
        if (ch > img.height() || cw > img.width()) {
            throw new BadInputException("center crop " + ch + "×" + cw + " is larger than the resized image " + img.height() + "×" + img.width());
        }
        int top = (img.height() - ch) / 2, left = (img.width() - cw) / 2;
        byte[] out = new byte[ch * cw * 3];
        for (int y = 0; y < ch; y++) System.arraycopy(img.pixels(), ((top + y) * img.width() + left) * 3, out, y * cw * 3, cw * 3);
        return new RgbImage(cw, ch, out);
    }

    /** One image → [3, H, W] values in {@code dst} at {@code offset}. */
    private void toChannels(RgbImage img, float[] dst, int offset) {
        int hw = img.width() * img.height();
        byte[] p = img.pixels();
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < hw; i++) {
                int u = p[i * 3 + c] & 0xff;
                float v = doRescale ? (float) (u * rescaleFactor) : u;
                if (doNormalize) v = (v - mean[c]) / std[c];
                dst[offset + c * hw + i] = v;
            }
        }
    }

    /** pixel_values [B, 3, H, W] of the images; all must come out the same size. */
    public Tensor preprocess(List<RgbImage> images) {
        if (images.isEmpty()) throw new BadInputException("no images to preprocess");
        RgbImage first = resizeAndCrop(images.get(0));
        int h = first.height(), w = first.width();
        float[] out = new float[images.size() * 3 * h * w];
        for (int i = 0; i < images.size(); i++) {
            RgbImage r = i == 0 ? first : resizeAndCrop(images.get(i));
            if (r.height() != h || r.width() != w) {
                throw new BadInputException("image " + i + " preprocesses to " + r.height() + "×" + r.width() + " but image 0 to " + h + "×" + w
                        + " (without resizing all images must have the same size)");
            }
            toChannels(r, out, i * 3 * h * w);
        }
        return Tensor.of(out, images.size(), 3, h, w);
    }

    /** Reads and preprocesses image files. */
    public Tensor preprocessFiles(List<Path> files) {
        return preprocess(files.stream().map(ImageLoader::read).toList());
    }

    /**
     * The processor of a model directory: its preprocessor_config.json; else the {@code pretrained_cfg} of a
     * timm hub config.json (resize the shorter side to floor(size/crop_pct), center crop, timm's mean/std and
     * interpolation); else HF's ViTImageProcessor defaults at {@code imageSize}.
     */
    public static ViTImageProcessor forModel(Path dirOrFile, int imageSize) {
        Path dir = Files.isDirectory(dirOrFile) ? dirOrFile : dirOrFile.toAbsolutePath().getParent();
        Path p = dir.resolve("preprocessor_config.json");
        if (Files.isRegularFile(p)) return fromJson(p);
        Path cfg = dir.resolve("config.json");
        if (Files.isRegularFile(cfg)) {
            try {
                JsonNode pc = JSON.readTree(cfg.toFile()).get("pretrained_cfg");
                if (pc != null && pc.isObject()) return fromTimmPretrainedCfg(pc, imageSize);
            } catch (IOException e) {
                throw new BadInputException(cfg + ": not valid JSON: " + e.getMessage());
            }
        }
        return defaults(imageSize);
    }

    /** timm's eval transform from a hub config's pretrained_cfg (center crop offsets rounded down, as HF does). */
    static ViTImageProcessor fromTimmPretrainedCfg(JsonNode pc, int imageSize) {
        int size = pc.has("input_size") ? pc.get("input_size").get(pc.get("input_size").size() - 1).asInt() : imageSize;
        double cropPct = pc.path("crop_pct").asDouble(1.0);
        PilResize.Filter f = switch (pc.path("interpolation").asText("bicubic")) {
            case "bilinear" -> PilResize.Filter.BILINEAR;
            case "nearest" -> PilResize.Filter.NEAREST;
            case "lanczos" -> PilResize.Filter.LANCZOS;
            case "box" -> PilResize.Filter.BOX;
            case "hamming" -> PilResize.Filter.HAMMING;
            default -> PilResize.Filter.BICUBIC;
        };
        int scaled = (int) Math.floor(size / cropPct);
        boolean crop = scaled != size;
        return new ViTImageProcessor(true, crop ? 0 : size, crop ? 0 : size, crop ? scaled : 0, f, crop, size, size, true, 1 / 255.0, true,
                triple(pc, "mean", "pretrained_cfg"), triple(pc, "std", "pretrained_cfg"));
    }
}
