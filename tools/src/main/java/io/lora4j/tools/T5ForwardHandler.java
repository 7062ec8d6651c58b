package io.lora4j.tools;

import io.lora4j.engine.Backend;
import io.lora4j.engine.BadInputException;
import io.lora4j.engine.Tensor;
import io.lora4j.engine.io.TensorSource;
import io.lora4j.models.nn.ForwardContext;
import io.lora4j.models.t5.T5ForConditionalGeneration;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code forward} for T5: input_ids, optional attention_mask, decoder_input_ids → logits, encoder_last_hidden_state. */
final class T5ForwardHandler implements ForwardCommand.Handler {
    @Override
    public Map<String, Tensor> forward(Backend be, Path modelDir, List<Path> adapters, TensorSource in) {
        T5ForConditionalGeneration m = T5Models.load(be, modelDir, adapters);
        int[][] ids = ids(in, "input_ids", true);
        int[][] mask = ids(in, "attention_mask", false);
        int[][] dec = ids(in, "decoder_input_ids", true);
        if (mask != null && (mask.length != ids.length || mask[0].length != ids[0].length)) {
            throw new BadInputException(in.origin() + ": attention_mask must have the shape of input_ids");
        }
        var out = m.forward(be, ids, mask, dec, false, ForwardContext.NONE);
        Map<String, Tensor> r = new LinkedHashMap<>();
        r.put("logits", out.logits());
        r.put("encoder_last_hidden_state", out.encoderLastHiddenState());
        return r;
    }

    static int[][] ids(TensorSource in, String name, boolean required) {
        Tensor t = in.find(name);
        if (t == null) {
            if (required) throw new BadInputException(in.origin() + ": missing tensor '" + name + "'");
            return null;
        }
        if (t.dtype().isFloat()) throw new BadInputException(in.origin() + ": tensor '" + name + "' is " + t.dtype() + ", expected an integer dtype (I64)");
        if (t.rank() == 1) t = t.unsqueeze(0);
        if (t.rank() != 2 || t.dim(0) == 0 || t.dim(1) == 0) {
            throw new BadInputException(in.origin() + ": tensor '" + name + "' has shape " + java.util.Arrays.toString(t.shape()) + ", expected [batch, length]");
        }
        long[] flat = t.toLongArray();
        int rows = t.dim(0), cols = t.dim(1);
        int[][] out = new int[rows][cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                long v = flat[i * cols + j];
                if (v != (int) v) throw new BadInputException(in.origin() + ": tensor '" + name + "' holds " + v);
                out[i][j] = (int) v;
            }
        }
        return out;
    }
}
