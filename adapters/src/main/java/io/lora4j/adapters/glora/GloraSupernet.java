package io.lora4j.adapters.glora;

import io.lora4j.engine.BadInputException;
import io.lora4j.engine.Tensor;
import io.lora4j.engine.io.TensorSource;
import io.lora4j.models.nn.DenseLinear;
import io.lora4j.models.nn.Linear;
import io.lora4j.models.nn.LinearRewriter;
import java.math.BigInteger;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A GLoRA supernet: the tensors Ad..E of every adapted layer (named {@code <layer>.Ad} ...) with one
 * supernet rank R, plus any other tensors the checkpoint carries (the newly trained head, e.g.
 * {@code head.weight} / {@code classifier.weight}), which replace the base model's tensors of the same name.
 * Immutable.
 */
public final class GloraSupernet {
    private final int rank;
    private final Map<String, GloraLayerWeights> layers;
    private final Map<String, Tensor> extra;

    public GloraSupernet(int rank, Map<String, GloraLayerWeights> layers, Map<String, Tensor> extra) {
        if (rank < 1) throw new IllegalArgumentException("supernet rank must be ≥ 1");
        for (var e : layers.entrySet()) {
            if (e.getValue().rank() != rank) throw new IllegalArgumentException(e.getKey() + ": rank " + e.getValue().rank() + " != " + rank);
        }
        this.rank = rank;
        this.layers = Collections.unmodifiableMap(new LinkedHashMap<>(layers));
        this.extra = Collections.unmodifiableMap(new LinkedHashMap<>(extra));
    }

    /**
     * True for layers GLoRA adapts: every linear layer except the classification head ({@code head},
     * {@code classifier}) and HF's pooler (unused by image classification).
     */
    public static boolean isAdapted(String layerName) {
        String last = layerName.substring(layerName.lastIndexOf('.') + 1);
        return !(layerName.equals("head") || layerName.equals("classifier") || layerName.startsWith("head.")
                || last.equals("head") || last.equals("classifier") || layerName.contains("pooler."));
    }

    /** A fresh supernet initialized as METHODS.md (every path zero: the model is the pretrained model). */
    public static GloraSupernet init(List<LayerShape> shapes, int rank, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Map<String, GloraLayerWeights> m = new LinkedHashMap<>();
        for (LayerShape s : shapes) m.put(s.name(), GloraLayerWeights.init(s, rank, rng.split()));
        return new GloraSupernet(rank, m, Map.of());
    }

    /**
     * Reads the supernet of a model's adapted layers from {@code src}: every layer of {@code shapes} must
     * have its eight tensors with the right shapes; R is read from the first layer's Ad. Tensors that
     * belong to no adapted layer are kept as {@link #extra()}; GLoRA tensors of a layer the model does not
     * have are an error.
     */
    public static GloraSupernet read(TensorSource src, List<LayerShape> shapes) {
        if (shapes.isEmpty()) throw new BadInputException(src.origin() + ": the model has no adapted layers");
        String first = shapes.getFirst().name() + ".Ad";
        if (!src.contains(first)) {
            // a checkpoint that nests the dict (e.g. {"model": {...}} or {"state_dict": {...}}): strip the common prefix
            for (String n : src.names()) {
                if (n.endsWith("." + first)) {
                    String prefix = n.substring(0, n.length() - first.length());
                    Map<String, Tensor> stripped = new LinkedHashMap<>();
                    for (String m : src.names()) if (m.startsWith(prefix)) stripped.put(m.substring(prefix.length()), src.get(m));
                    return read(io.lora4j.engine.io.Checkpoints.of(src.origin() + " (under '" + prefix + "')", stripped), shapes);
                }
            }
            throw new BadInputException(src.origin() + ": missing tensor '" + first + "': not a GLoRA supernet for this model "
                    + "(expected tensors named <layer>.Ad ... with the model's layer names, e.g. '" + first + "')");
        }
        Tensor ad = src.get(first);
        if (ad.rank() != 2 || ad.dim(0) != shapes.getFirst().out()) {
            throw new BadInputException(src.origin() + ": tensor '" + first + "' has shape " + java.util.Arrays.toString(ad.shape())
                    + ", expected [" + shapes.getFirst().out() + ", R]");
        }
        int rank = ad.dim(1);
        if (rank < 1) throw new BadInputException(src.origin() + ": tensor '" + first + "' has rank R = 0");
        Map<String, GloraLayerWeights> m = new LinkedHashMap<>();
        Set<String> used = new LinkedHashSet<>();
        for (LayerShape s : shapes) {
            m.put(s.name(), GloraLayerWeights.read(src, s, rank));
            for (String suf : GloraLayerWeights.SUFFIXES) used.add(s.name() + "." + suf);
        }
        Map<String, Tensor> extra = new LinkedHashMap<>();
        for (String n : src.names()) {
            if (used.contains(n)) continue;
            String suf = n.substring(n.lastIndexOf('.') + 1);
            if (java.util.Arrays.asList(GloraLayerWeights.SUFFIXES).contains(suf)) {
                throw new BadInputException(src.origin() + ": tensor '" + n + "' is a GLoRA tensor of layer '"
                        + n.substring(0, Math.max(0, n.lastIndexOf('.'))) + "', which is not an adapted layer of the model");
            }
            extra.put(n, src.get(n));
        }
        return new GloraSupernet(rank, m, extra);
    }

    /** Supernet rank R. */
    public int rank() {
        return rank;
    }

    /** Layer name → its tensors, in model order. */
    public Map<String, GloraLayerWeights> layers() {
        return layers;
    }

    /** Layer name → shape, in model order. */
    public Map<String, LayerShape> shapes() {
        Map<String, LayerShape> m = new LinkedHashMap<>();
        for (var e : layers.entrySet()) m.put(e.getKey(), e.getValue().shape());
        return m;
    }

    /** Non-GLoRA tensors of the checkpoint (the trained head), by name. */
    public Map<String, Tensor> extra() {
        return extra;
    }

    /** A copy with {@code extra} tensors (e.g. a head) set. */
    public GloraSupernet withExtra(Map<String, Tensor> extra) {
        return new GloraSupernet(rank, layers, extra);
    }

    /** Every tensor by name (GLoRA tensors, then the extra ones), e.g. to save the supernet. */
    public Map<String, Tensor> tensors() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (GloraLayerWeights w : layers.values()) m.putAll(w.tensors());
        m.putAll(extra);
        return m;
    }

    /** Number of configurations of the search space: 432^layers. */
    public BigInteger configurationSpaceSize() {
        BigInteger perLayer = BigInteger.ONE;
        for (GloraPath p : GloraPath.values()) perLayer = perLayer.multiply(BigInteger.valueOf(p.choices(rank).size()));
        return perLayer.pow(layers.size());
    }

    /** Checks {@code config} against this supernet (layers and LoRA ranks). */
    public void validate(GloraConfig config, String where) {
        config.validate(shapes(), rank, where);
    }

    /** A rewriter that puts {@link GloraLinear}s (training form) with {@code config} in place of the adapted layers. */
    public LinearRewriter rewriter(GloraConfig config) {
        validate(config, "configuration");
        return (name, original) -> {
            GloraLayerConfig c = config.get(name);
            if (c == null) return original;
            DenseLinear base = dense(name, original);
            return GloraLinear.of(name, base, layers.get(name), c);
        };
    }

    /** A rewriter that puts the reparameterized plain layers W_uni, b_uni with {@code config} in place of the adapted layers. */
    public LinearRewriter merged(GloraConfig config) {
        validate(config, "configuration");
        return (name, original) -> {
            GloraLayerConfig c = config.get(name);
            if (c == null) return original;
            return GloraLinear.of(name, dense(name, original), layers.get(name), c).reparameterize();
        };
    }

    private static DenseLinear dense(String name, Linear original) {
        if (original instanceof DenseLinear d) return d;
        throw new IllegalArgumentException(name + ": GLoRA wraps plain layers only, got " + original.getClass().getSimpleName());
    }
}
