package io.lora4j.optim.glora;

import io.lora4j.engine.Backend;
import io.lora4j.engine.BadInputException;
import io.lora4j.engine.Tensor;
import io.lora4j.models.image.ViTImageProcessor;
import io.lora4j.models.vit.ViTForImageClassification;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An image set ready for many candidate evaluations: images read and preprocessed once, and their
 * patch + position embeddings (which no GLoRA candidate changes: the patch projection is a convolution,
 * not an adapted Linear) computed once, in batches. Immutable.
 */
public final class EmbeddedImages {
    private final List<Tensor> batches; // [b, 1 + N, D] each
    private final int[] labels;

    public EmbeddedImages(List<Tensor> batches, int[] labels) {
        this.batches = List.copyOf(batches);
        this.labels = labels.clone();
        int n = 0;
        for (Tensor t : batches) n += t.dim(0);
        if (n != labels.length) throw new IllegalArgumentException(n + " embedded images but " + labels.length + " labels");
    }

    /** Reads, preprocesses and embeds {@code set} with {@code model}'s embeddings, {@code batchSize} images at a time. */
    public static EmbeddedImages of(ViTForImageClassification model, ViTImageProcessor processor, LabeledImages set, Backend backend, int batchSize) {
        int classes = model.config().numLabels();
        for (int i = 0; i < set.size(); i++) {
            if (set.labels()[i] >= classes) {
                throw new BadInputException(set.origin() + ": image " + set.files().get(i) + " has label " + set.labels()[i]
                        + " but the classification head has " + classes + " classes");
            }
        }
        List<Tensor> out = new ArrayList<>();
        for (int s = 0; s < set.size(); s += batchSize) {
            List<Path> files = set.files().subList(s, Math.min(set.size(), s + batchSize));
            out.add(model.embeddings(backend, processor.preprocessFiles(files)));
        }
        return new EmbeddedImages(out, set.labels());
    }

    /** Embeds already preprocessed pixel values [N, C, H, W] (e.g. generated images). */
    public static EmbeddedImages ofPixels(ViTForImageClassification model, Tensor pixels, int[] labels, Backend backend, int batchSize) {
        List<Tensor> out = new ArrayList<>();
        int n = pixels.dim(0);
        for (int s = 0; s < n; s += batchSize) out.add(model.embeddings(backend, pixels.narrow(0, s, Math.min(batchSize, n - s)).contiguous()));
        return new EmbeddedImages(out, labels);
    }

    public List<Tensor> batches() {
        return batches;
    }

    public int[] labels() {
        return labels.clone();
    }

    public int size() {
        return labels.length;
    }

    /** Predicted class of every image under {@code model} (which must share the embeddings' base model). */
    public int[] predict(ViTForImageClassification model, Backend backend) {
        int[] pred = new int[labels.length];
        int k = 0;
        for (Tensor b : batches) {
            int[] p = backend.argmax(model.classifyFromEmbeddings(backend, b, io.lora4j.models.nn.ForwardContext.NONE));
            System.arraycopy(p, 0, pred, k, p.length);
            k += p.length;
        }
        return pred;
    }

    /** Top-1 accuracy of {@code model} on this set. */
    public double accuracy(ViTForImageClassification model, Backend backend) {
        int[] p = predict(model, backend);
        int correct = 0;
        for (int i = 0; i < p.length; i++) if (p[i] == labels[i]) correct++;
        return (double) correct / labels.length;
    }
}
