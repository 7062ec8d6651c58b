package io.lora4j.models.vit;

import io.lora4j.engine.Backend;
import io.lora4j.engine.BadInputException;
import io.lora4j.engine.Tensor;

/**
 * HF's {@code ViTEmbeddings}: patch embeddings, the class token prepended, position embeddings added.
 * For an image size other than the training one, {@code interpolatePosEncoding} resizes the position
 * embeddings as HF does (bicubic, {@link PositionEmbeddingInterpolation}); without it such input is refused.
 */
public final class ViTEmbeddings {
    private final Tensor clsToken;       // [1, 1, D]
    private final Tensor positionEmbeddings; // [1, 1 + g·g, D]
    private final ViTPatchEmbeddings patchEmbeddings;
    private final int imageSize;

    ViTEmbeddings(Tensor clsToken, Tensor positionEmbeddings, ViTPatchEmbeddings patchEmbeddings, int imageSize) {
        this.clsToken = clsToken;
        this.positionEmbeddings = positionEmbeddings;
        this.patchEmbeddings = patchEmbeddings;
        this.imageSize = imageSize;
    }

    public ViTPatchEmbeddings patchEmbeddings() {
        return patchEmbeddings;
    }

    /** pixels [B, C, H, W] → [B, 1 + (H/p)·(W/p), D]. */
    public Tensor forward(Backend backend, Tensor pixels, boolean interpolatePosEncoding) {
        int h = pixels.rank() == 4 ? pixels.dim(2) : -1, w = pixels.rank() == 4 ? pixels.dim(3) : -1;
        if (!interpolatePosEncoding && (h != imageSize || w != imageSize)) {
            throw new BadInputException("input image size (" + h + "*" + w + ") doesn't match model (" + imageSize + "*" + imageSize
                    + "); resize the images or enable position-embedding interpolation (--interpolate-pos-encoding)");
        }
        Tensor patches = patchEmbeddings.forward(backend, pixels); // [B, N, D]
        int b = patches.dim(0), d = patches.dim(2);
        Tensor cls = clsToken.reshape(1, 1, d);
        Tensor clsB = b == 1 ? cls : backend.add(Tensor.zeros(b, 1, d), cls);
        Tensor x = backend.concat(1, clsB, patches);
        int p = patchEmbeddings.patchSize();
        Tensor pos = positionEmbeddings;
        int n = positionEmbeddings.dim(1) - 1;
        if (interpolatePosEncoding && !(patches.dim(1) == n && h == w)) {
            pos = PositionEmbeddingInterpolation.interpolate(positionEmbeddings, h / p, w / p);
        }
        return backend.add(x, pos);
    }
}
