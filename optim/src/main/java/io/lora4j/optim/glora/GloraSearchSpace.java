package io.lora4j.optim.glora;

import io.lora4j.adapters.glora.GloraConfig;
import io.lora4j.adapters.glora.GloraLayerConfig;
import io.lora4j.adapters.glora.GloraMode;
import io.lora4j.adapters.glora.GloraPath;
import io.lora4j.adapters.glora.LayerShape;
import io.lora4j.engine.BadInputException;
import io.lora4j.optim.evolution.SearchSpace;
import io.lora4j.optim.evolution.SplitMix64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * GLoRA configurations as an evolutionary search space: each path of each layer is a gene over
 * {@link GloraPath#choices(int)} for supernet rank R (432 configurations per layer). Mutation resamples
 * each path of each layer with probability p; crossover copies each path of each layer from either
 * parent with probability 1/2. A candidate's text form is one digit per path (the index of its mode
 * among the choices), five per layer, layers in model order.
 */
public final class GloraSearchSpace implements SearchSpace<GloraConfig> {
    private final List<LayerShape> layers;
    private final Map<String, LayerShape> byName = new LinkedHashMap<>();
    private final int rank;
    private final List<List<GloraMode>> choices;

    public GloraSearchSpace(List<LayerShape> layers, int rank) {
        if (layers.isEmpty()) throw new IllegalArgumentException("no layers");
        this.layers = List.copyOf(layers);
        this.rank = rank;
        for (LayerShape s : layers) byName.put(s.name(), s);
        this.choices = java.util.Arrays.stream(GloraPath.values()).map(p -> p.choices(rank)).toList();
    }

    public List<LayerShape> layers() {
        return layers;
    }

    private GloraMode pick(GloraPath p, SplitMix64 rng) {
        List<GloraMode> c = choices.get(p.ordinal());
        return c.get(rng.nextInt(c.size()));
    }

    @Override
    public GloraConfig random(SplitMix64 rng) {
        Map<String, GloraLayerConfig> m = new LinkedHashMap<>();
        for (LayerShape s : layers) {
            GloraMode[] modes = new GloraMode[5];
            for (GloraPath p : GloraPath.values()) modes[p.ordinal()] = pick(p, rng);
            m.put(s.name(), new GloraLayerConfig(modes[0], modes[1], modes[2], modes[3], modes[4]));
        }
        return new GloraConfig(m);
    }

    @Override
    public GloraConfig mutate(GloraConfig parent, double prob, SplitMix64 rng) {
        Map<String, GloraLayerConfig> m = new LinkedHashMap<>();
        for (LayerShape s : layers) {
            GloraMode[] modes = parent.get(s.name()).modes();
            for (GloraPath p : GloraPath.values()) if (rng.nextDouble() < prob) modes[p.ordinal()] = pick(p, rng);
            m.put(s.name(), new GloraLayerConfig(modes[0], modes[1], modes[2], modes[3], modes[4]));
        }
        return new GloraConfig(m);
    }

    @Override
    public GloraConfig crossover(GloraConfig a, GloraConfig b, SplitMix64 rng) {
        Map<String, GloraLayerConfig> m = new LinkedHashMap<>();
        for (LayerShape s : layers) {
            GloraMode[] ma = a.get(s.name()).modes(), mb = b.get(s.name()).modes();
            GloraMode[] modes = new GloraMode[5];
            for (int k = 0; k < 5; k++) modes[k] = rng.nextInt(2) == 0 ? ma[k] : mb[k];
            m.put(s.name(), new GloraLayerConfig(modes[0], modes[1], modes[2], modes[3], modes[4]));
        }
        return new GloraConfig(m);
    }

    @Override
    public long paramCount(GloraConfig c) {
        return c.paramCount(byName);
    }

    @Override
    public String encode(GloraConfig c) {
        StringBuilder s = new StringBuilder(layers.size() * 5);
        for (LayerShape l : layers) {
            GloraLayerConfig lc = c.get(l.name());
            if (lc == null) throw new IllegalArgumentException("configuration lacks layer " + l.name());
            for (GloraPath p : GloraPath.values()) {
                int i = choices.get(p.ordinal()).indexOf(lc.mode(p));
                if (i < 0) throw new IllegalArgumentException(l.name() + " path " + p + ": mode " + lc.mode(p) + " is not in the search space (rank " + rank + ")");
                s.append((char) ('0' + i));
            }
        }
        return s.toString();
    }

    @Override
    public GloraConfig decode(String text) {
        if (text.length() != layers.size() * 5) {
            throw new BadInputException("GLoRA candidate '" + text + "' has " + text.length() + " digits, expected " + layers.size() * 5);
        }
        Map<String, GloraLayerConfig> m = new LinkedHashMap<>();
        for (int l = 0; l < layers.size(); l++) {
            GloraMode[] modes = new GloraMode[5];
            for (GloraPath p : GloraPath.values()) {
                int i = text.charAt(l * 5 + p.ordinal()) - '0';
                List<GloraMode> c = choices.get(p.ordinal());
                if (i < 0 || i >= c.size()) throw new BadInputException("GLoRA candidate '" + text + "': bad digit for layer " + l + " path " + p);
                modes[p.ordinal()] = c.get(i);
            }
            m.put(layers.get(l).name(), new GloraLayerConfig(modes[0], modes[1], modes[2], modes[3], modes[4]));
        }
        return new GloraConfig(m);
    }
}
