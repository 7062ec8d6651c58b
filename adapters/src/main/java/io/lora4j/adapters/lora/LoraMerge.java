package io.lora4j.adapters.lora;

import io.lora4j.engine.Backend;
import io.lora4j.engine.BadInputException;
import io.lora4j.engine.Tensor;
import io.lora4j.engine.io.TensorSource;
import io.lora4j.models.nn.DenseLinear;
import io.lora4j.models.nn.Linear;
import io.lora4j.models.nn.LinearRewriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Merging LoRA updates into base weights: W = W0 + Σₖ wₖ·sₖ·Bₖ·Aₖ (wₖ = 1 for a plain merge), on
 * checkpoint tensors by name or on model layers.
 */
public final class LoraMerge {
    private LoraMerge() {}

    /** A LoRA update to add: the adapter's factors times an extra factor (1 for a plain merge). */
    public record Weighted(LoraAdapter adapter, double weight) {}

    /**
     * Every tensor of {@code base}, with each adapted layer's {@code <layer>.weight} replaced by the merged F32
     * weight. Adapters are checked against the base first (names and shapes).
     */
    public static Map<String, Tensor> mergeTensors(Backend backend, TensorSource base, List<Weighted> updates) {
        Map<String, List<Weighted>> byLayer = new LinkedHashMap<>();
        for (Weighted u : updates) {
            u.adapter().checkAgainst(base);
            for (String layer : u.adapter().layers().keySet()) byLayer.computeIfAbsent(layer, k -> new ArrayList<>()).add(u);
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (String name : base.names()) out.put(name, base.get(name));
        for (var e : byLayer.entrySet()) {
            String wName = e.getKey() + ".weight";
            Tensor w = base.get(wName);
            for (Weighted u : e.getValue()) {
                LoraWeights f = u.adapter().layers().get(e.getKey());
                w = backend.addLowRank(w, (float) (u.weight() * f.scaling()), f.b(), f.a());
            }
            out.put(wName, w);
        }
        return out;
    }

    /** Merges one layer: a {@link DenseLinear} with W0 + Σ s·B·A and the original bias. */
    public static DenseLinear merge(Backend backend, DenseLinear base, List<LoraWeights> factors) {
        Tensor w = base.weight();
        for (LoraWeights f : factors) w = backend.addLowRank(w, (float) f.scaling(), f.b(), f.a());
        return new DenseLinear(w, base.bias());
    }

    /**
     * A rewriter that applies {@code adapters} to a model: unmerged ({@link LoraLinear}) or merged (dense
     * layers with the updates added; the base layers must then be {@link DenseLinear}). Every adapted layer
     * must exist in the model with matching shapes; call {@link #checkAllApplied} after rewriting.
     */
    public static Rewriter rewriter(Backend backend, List<LoraAdapter> adapters, boolean merged) {
        return new Rewriter(backend, adapters, merged);
    }

    /** See {@link #rewriter}. Records which layers it saw so missing ones can be reported. */
    public static final class Rewriter implements LinearRewriter {
        private final Backend backend;
        private final List<LoraAdapter> adapters;
        private final boolean merged;
        private final java.util.Set<String> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();

        Rewriter(Backend backend, List<LoraAdapter> adapters, boolean merged) {
            this.backend = backend;
            this.adapters = List.copyOf(adapters);
            this.merged = merged;
        }

        @Override
        public Linear rewrite(String name, Linear original) {
            List<LoraWeights> fs = new ArrayList<>();
            for (LoraAdapter a : adapters) {
                LoraWeights f = a.layers().get(name);
                if (f == null) continue;
                a.checkShapes(name, f, original.outFeatures(), original.inFeatures());
                fs.add(f);
            }
            if (fs.isEmpty()) return original;
            seen.add(name);
            if (!merged) return new LoraLinear(original, fs);
            if (!(original instanceof DenseLinear d)) {
                throw new IllegalStateException("layer '" + name + "' is a " + original.getClass().getSimpleName() + ", merging needs a DenseLinear");
            }
            return merge(backend, d, fs);
        }

        /** Throws if some adapted layer was never offered to {@link #rewrite} (it does not exist in the model). */
        public void checkAllApplied() {
            for (LoraAdapter a : adapters) {
                for (String layer : a.layers().keySet()) {
                    if (!seen.contains(layer)) {
                        throw new BadInputException("adapter '" + a.name() + "': tensor '" + LoraAdapter.PREFIX + layer
                                + ".lora_A.weight' adapts '" + layer + "', which is not a linear layer of the model");
                    }
                }
            }
        }
    }
}
