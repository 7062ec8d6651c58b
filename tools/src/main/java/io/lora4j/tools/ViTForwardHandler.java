package io.lora4j.tools;

import io.lora4j.adapters.lora.LoraMerge;
import io.lora4j.engine.Backend;
import io.lora4j.engine.BadInputException;
import io.lora4j.engine.Tensor;
import io.lora4j.engine.io.TensorSource;
import io.lora4j.models.nn.ForwardContext;
import io.lora4j.models.vit.ViTForImageClassification;
import io.lora4j.models.vit.ViTModel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code forward} for ViT: pixel_values [B, C, H, W] (float) → logits [B, num_labels] (when the checkpoint
 * has a head), last_hidden_state [B, T, D], and pooler_output [B, D] for an HF ViTModel with a pooler.
 * The image size must be the model's (HF refuses others without interpolate_pos_encoding, and so does this).
 */
final class ViTForwardHandler implements ForwardCommand.Handler {
    @Override
    public Map<String, Tensor> forward(Backend be, Path modelDir, List<Path> adapters, TensorSource in) {
        ViTForImageClassification m = ViTForImageClassification.load(modelDir);
        if (!adapters.isEmpty()) {
            LoraMerge.Rewriter r = ModelOptions.unmerged(be, adapters);
            m = m.withLinears(r);
            r.checkAllApplied();
        }
        Tensor px = in.find("pixel_values");
        if (px == null) throw new BadInputException(in.origin() + ": missing tensor 'pixel_values' [B, 3, H, W]");
        if (!px.dtype().isFloat() || px.rank() != 4 || px.dim(0) == 0) {
            throw new BadInputException(in.origin() + ": tensor 'pixel_values' is " + px.dtype() + " " + Arrays.toString(px.shape())
                    + ", expected a float tensor [B, " + m.config().numChannels() + ", H, W]");
        }
        Map<String, Tensor> r = new LinkedHashMap<>();
        Tensor emb = m.embeddings(be, px);
        ViTModel vit = m.vit();
        Tensor last = vit.encodeFromEmbeddings(be, emb, ForwardContext.NONE);
        if (m.hasHead()) r.put("logits", m.classifyLastHiddenState(be, last, ForwardContext.NONE));
        else if (vit.hasPooler()) r.put("pooler_output", vit.poolerOutput(be, last, ForwardContext.NONE));
        r.put("last_hidden_state", last);
        return r;
    }
}
