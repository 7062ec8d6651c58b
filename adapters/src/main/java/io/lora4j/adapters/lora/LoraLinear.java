package io.lora4j.adapters.lora;

import io.lora4j.engine.Backend;
import io.lora4j.engine.Tensor;
import io.lora4j.models.nn.ForwardContext;
import io.lora4j.models.nn.Linear;
import java.util.List;

/**
 * A linear layer with LoRA adapters applied unmerged: y = base(x) + Σₖ sₖ·Bₖ(Aₖx). The base layer is
 * untouched (any {@link Linear}); several adapters may be active at once. Immutable, thread-safe.
 */
public final class LoraLinear implements Linear {
    private final Linear base;
    private final List<LoraWeights> adapters;

    public LoraLinear(Linear base, List<LoraWeights> adapters) {
        for (LoraWeights w : adapters) {
            if (w.inFeatures() != base.inFeatures() || w.outFeatures() != base.outFeatures()) {
                throw new IllegalArgumentException("LoRA factors A " + java.util.Arrays.toString(w.a().shape()) + ", B "
                        + java.util.Arrays.toString(w.b().shape()) + " do not fit a " + base.outFeatures() + "×" + base.inFeatures() + " layer");
            }
        }
        this.base = base;
        this.adapters = List.copyOf(adapters);
    }

    public Linear base() {
        return base;
    }

    public List<LoraWeights> adapters() {
        return adapters;
    }

    @Override
    public int inFeatures() {
        return base.inFeatures();
    }

    @Override
    public int outFeatures() {
        return base.outFeatures();
    }

    @Override
    public Tensor forward(Backend backend, Tensor x, ForwardContext ctx) {
        Tensor y = base.forward(backend, x, ctx);
        for (LoraWeights w : adapters) {
            Tensor h = backend.linear(x, w.a(), null);          // [.., r]
            Tensor u = backend.linear(h, w.b(), null);          // [.., O]
            y = backend.add(y, backend.scale(u, (float) w.scaling()));
        }
        return y;
    }
}
