package io.lora4j.models.vit;

import io.lora4j.engine.Backend;
import io.lora4j.engine.BadInputException;
import io.lora4j.engine.Tensor;
import java.util.Arrays;

/**
 * The p×p, stride-p convolution that turns pixels [B, C, H, W] into patch embeddings [B, (H/p)·(W/p), D],
 * computed as im2col ({@link Backend#im2colPatches}) followed by one GEMM with the conv weight viewed as
 * [D, C·p·p]. Not a {@link io.lora4j.models.nn.Linear}: adapters do not rewrite it.
 */
public final class ViTPatchEmbeddings {
    private final Tensor weight; // [D, C·p·p] view of the conv weight [D, C, p, p]
    private final Tensor bias;
    private final int patch, channels;

    ViTPatchEmbeddings(Tensor convWeight, Tensor bias) {
        this.patch = convWeight.dim(2);
        this.channels = convWeight.dim(1);
        Tensor w = convWeight.isContiguous() ? convWeight : convWeight.contiguous(); // mapped weights are contiguous: a view, no copy
        this.weight = w.reshape(convWeight.dim(0), channels * patch * patch);
        this.bias = bias;
    }

    public int patchSize() {
        return patch;
    }

    public Tensor forward(Backend backend, Tensor pixels) {
        if (pixels.rank() != 4 || pixels.dim(1) != channels) {
            throw new BadInputException("pixel_values must be [B, " + channels + ", H, W], got " + Arrays.toString(pixels.shape()));
        }
        if (pixels.dim(2) % patch != 0 || pixels.dim(3) % patch != 0) {
            throw new BadInputException("image size " + pixels.dim(2) + "×" + pixels.dim(3) + " is not a multiple of the patch size " + patch);
        }
        Tensor cols = backend.im2colPatches(pixels, patch);
        return backend.linear(cols, weight, bias);
    }
}
