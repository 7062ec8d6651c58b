package io.lora4j.adapters.glora;

import io.lora4j.engine.BadInputException;
import io.lora4j.engine.Tensor;
import io.lora4j.engine.io.TensorSource;
import io.lora4j.models.nn.DenseLinear;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The reparameterized model as plain tensors in the base checkpoint's own naming (HF or timm):
 * every adapted layer's {@code .weight}/{@code .bias} replaced by W_uni/b_uni, the supernet's extra
 * tensors (the trained head) in place of the base ones, everything else passed through.
 */
public final class GloraMerge {
    private GloraMerge() {}

    /** Name → tensor of the merged model, in the base checkpoint's order. */
    public static Map<String, Tensor> mergedTensors(TensorSource base, GloraSupernet supernet, GloraConfig config) {
        supernet.validate(config, "configuration");
        for (var e : supernet.extra().entrySet()) {
            Tensor b = base.find(e.getKey());
            if (b == null) {
                throw new BadInputException("supernet tensor '" + e.getKey() + "' is neither a GLoRA tensor nor a tensor of the model "
                        + base.origin() + " (is the supernet named for the other checkpoint layout, HF vs timm?)");
            }
            if (b.rank() != e.getValue().rank() || (b.rank() > 1 && !Arrays.equals(Arrays.copyOfRange(b.shape(), 1, b.rank()),
                    Arrays.copyOfRange(e.getValue().shape(), 1, b.rank())))) {
                throw new BadInputException("supernet tensor '" + e.getKey() + "' has shape " + Arrays.toString(e.getValue().shape())
                        + " but the model's has " + Arrays.toString(b.shape()));
            }
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (String n : base.names()) out.put(n, supernet.extra().getOrDefault(n, base.get(n)));
        for (var e : config.layers().entrySet()) {
            String layer = e.getKey();
            LayerShape s = supernet.shapes().get(layer);
            Tensor w = base.get(layer + ".weight", s.out(), s.in());
            Tensor b = base.find(layer + ".bias");
            DenseLinear m = GloraLinear.of(layer, new DenseLinear(w, b), supernet.layers().get(layer), e.getValue()).reparameterize();
            out.put(layer + ".weight", m.weight());
            if (m.bias() != null) out.put(layer + ".bias", m.bias());
        }
        return out;
    }
}
