package io.lora4j.adapters.lorahub;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lora4j.adapters.lora.LoraAdapter;
import io.lora4j.adapters.lora.LoraConfig;
import io.lora4j.adapters.lora.LoraWeights;
import io.lora4j.engine.BadInputException;
import io.lora4j.engine.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Composes a pool of LoRA modules with weights w (METHODS.md §1, COMPOSE).
 *
 * <ul>
 *   <li>{@link #compose} — LoRAHub's composition: A' = Σ wᵢAᵢ and B' = Σ wᵢBᵢ, separately, under the first
 *       module's config (so the update s·B'A' is quadratic in w). All modules must have identical layers,
 *       shapes and scalings.</li>
 *   <li>{@link #composeDelta} — the linear alternative Σ wᵢ·sᵢ·BᵢAᵢ, represented exactly as one adapter of
 *       rank Σ rᵢ (A' stacks the Aᵢ, B' the wᵢsᵢBᵢ side by side, scaling 1). Modules may adapt different layers.</li>
 * </ul>
 * The factors are converted to F32 once, at construction, so each composition is a few AXPYs per layer.
 */
public final class LoraHubComposer {
    private final List<LoraAdapter> modules;
    private final List<String> layers;
    private final float[][] a; // [layer] the modules' A, flattened and stacked: module m at m·|A|
    private final float[][] b; // [layer] the modules' B, likewise
    private final int[][] aShape, bShape;
    private final double[] scaling; // [layer]

    public LoraHubComposer(List<LoraAdapter> modules) {
        if (modules.isEmpty()) throw new BadInputException("LoRAHub needs at least one LoRA module");
        this.modules = List.copyOf(modules);
        this.layers = new ArrayList<>(modules.get(0).layers().keySet());
        this.a = new float[layers.size()][];
        this.b = new float[layers.size()][];
        this.aShape = new int[layers.size()][];
        this.bShape = new int[layers.size()][];
        this.scaling = new double[layers.size()];
        LoraAdapter first = modules.get(0);
        for (int l = 0; l < layers.size(); l++) {
            String layer = layers.get(l);
            LoraWeights f0 = first.layers().get(layer);
            aShape[l] = f0.a().shape();
            bShape[l] = f0.b().shape();
            scaling[l] = f0.scaling();
            int aLen = f0.a().numel(), bLen = f0.b().numel();
            a[l] = new float[modules.size() * aLen];
            b[l] = new float[modules.size() * bLen];
            for (int m = 0; m < modules.size(); m++) {
                LoraAdapter mod = modules.get(m);
                LoraWeights f = mod.layers().get(layer);
                if (f == null) {
                    throw new BadInputException("LoRA module '" + mod.name() + "' lacks layer '" + layer + "' that module '" + first.name()
                            + "' adapts; LoRAHub needs identical tensor names in every module");
                }
                if (!Arrays.equals(f.a().shape(), aShape[l]) || !Arrays.equals(f.b().shape(), bShape[l])) {
                    throw new BadInputException("LoRA module '" + mod.name() + "': layer '" + layer + "' has A " + Arrays.toString(f.a().shape())
                            + ", B " + Arrays.toString(f.b().shape()) + " but module '" + first.name() + "' has A "
                            + Arrays.toString(aShape[l]) + ", B " + Arrays.toString(bShape[l]));
                }
                if (Math.abs(f.scaling() - f0.scaling()) > 1e-9 * Math.abs(f0.scaling())) {
                    throw new BadInputException("LoRA module '" + mod.name() + "': layer '" + layer + "' has scaling " + f.scaling()
                            + " but module '" + first.name() + "' has " + f0.scaling() + "; LoRAHub composes modules of equal lora_alpha/r");
                }
                System.arraycopy(f.a().toFloatArray(), 0, a[l], m * aLen, aLen);
                System.arraycopy(f.b().toFloatArray(), 0, b[l], m * bLen, bLen);
            }
        }
        for (LoraAdapter mod : modules) {
            if (mod.layers().size() != layers.size()) {
                for (String layer : mod.layers().keySet()) {
                    if (!first.layers().containsKey(layer)) {
                        throw new BadInputException("LoRA module '" + mod.name() + "' adapts layer '" + layer + "' that module '" + first.name()
                                + "' does not; LoRAHub needs identical tensor names in every module");
                    }
                }
            }
        }
    }

    public List<LoraAdapter> modules() {
        return modules;
    }

    /** The adapted layer names, in the first module's order. */
    public List<String> layers() {
        return layers;
    }

    /** LoRAHub's composition A' = Σ wᵢAᵢ, B' = Σ wᵢBᵢ under the first module's config. */
    public LoraAdapter compose(double[] w) {
        checkWeights(w);
        Map<String, LoraWeights> out = new LinkedHashMap<>();
        LoraAdapter first = modules.get(0);
        for (int l = 0; l < layers.size(); l++) {
            Tensor ca = Tensor.of(axpy(a[l], w), aShape[l]);
            Tensor cb = Tensor.of(axpy(b[l], w), bShape[l]);
            out.put(layers.get(l), new LoraWeights(ca, cb, first.layers().get(layers.get(l)).scaling()));
        }
        return new LoraAdapter("lorahub", first.config(), out);
    }

    /**
     * {@link #compose} computed by {@code backend} ({@link io.lora4j.engine.Backend#weightedSum}): a device
     * backend (TornadoVM) keeps each layer's stacked module factors resident and only the weights cross.
     */
    public LoraAdapter compose(io.lora4j.engine.Backend backend, double[] w) {
        checkWeights(w);
        float[] wf = new float[w.length];
        for (int i = 0; i < w.length; i++) wf[i] = (float) w[i];
        Map<String, LoraWeights> out = new LinkedHashMap<>();
        LoraAdapter first = modules.get(0);
        for (int l = 0; l < layers.size(); l++) {
            int n = modules.size();
            Tensor sa = Tensor.of(a[l], n, a[l].length / n), sb = Tensor.of(b[l], n, b[l].length / n);
            Tensor[] as = new Tensor[n], bs = new Tensor[n];
            for (int m = 0; m < n; m++) {
                as[m] = sa.select(0, m).reshape(aShape[l]);
                bs[m] = sb.select(0, m).reshape(bShape[l]);
            }
            out.put(layers.get(l), new LoraWeights(backend.weightedSum(wf, as), backend.weightedSum(wf, bs), first.layers().get(layers.get(l)).scaling()));
        }
        return new LoraAdapter("lorahub", first.config(), out);
    }

    /** The PEFT config of {@link #compose}'s result: the first module's config as read. */
    public ObjectNode composedConfig() {
        return modules.get(0).config().raw().deepCopy();
    }

    /**
     * The compositions of a whole population for one batched forward pass: for each candidate c (row {@code ws[c]}) and
     * each layer, A'_c = Σᵢ w_ci·Aᵢ and s·B'_c = Σᵢ (s·w_ci)·Bᵢ, stacked per layer, each computed as one product
     * [P, n]·[n, |A|] on {@code backend}. Apply it with a model rewritten by {@link #batchRewriter()} and the
     * context {@link LoraHubBatch#context()}.
     */
    public LoraHubBatch composeBatch(io.lora4j.engine.Backend backend, double[][] ws) {
        if (ws.length == 0) throw new IllegalArgumentException("composeBatch: no candidates");
        int p = ws.length, n = modules.size();
        for (double[] w : ws) checkWeights(w);
        Tensor[] ca = new Tensor[layers.size()], cb = new Tensor[layers.size()];
        float[] wf = new float[p * n], ws2 = new float[p * n];
        for (int l = 0; l < layers.size(); l++) {
            for (int c = 0; c < p; c++) {
                for (int m = 0; m < n; m++) {
                    wf[c * n + m] = (float) ws[c][m];
                    ws2[c * n + m] = (float) (ws[c][m] * scaling[l]);
                }
            }
            int aLen = a[l].length / n, bLen = b[l].length / n;
            ca[l] = backend.matmul(Tensor.of(wf, p, n), Tensor.of(a[l], n, aLen)).reshape(p, aShape[l][0], aShape[l][1]);
            cb[l] = backend.matmul(Tensor.of(ws2, p, n), Tensor.of(b[l], n, bLen)).reshape(p, bShape[l][0], bShape[l][1]);
        }
        return new LoraHubBatch(this, p, ca, cb);
    }

    /**
     * A rewriter that turns each adapted layer into a {@link LoraHubBatchLinear} (base layer for all rows, each candidate's
     * composed factors on its own rows, taken from the {@link LoraHubBatch} in the forward context). The base model's
     * weights are shared, never copied.
     */
    public io.lora4j.models.nn.LinearRewriter batchRewriter() {
        Map<String, Integer> index = new java.util.HashMap<>();
        for (int l = 0; l < layers.size(); l++) index.put(layers.get(l), l);
        return (name, original) -> {
            Integer l = index.get(name);
            if (l == null) return original;
            if (original.inFeatures() != aShape[l][1] || original.outFeatures() != bShape[l][0]) {
                throw new BadInputException("LoRA factors A " + Arrays.toString(aShape[l]) + ", B " + Arrays.toString(bShape[l]) + " of layer '" + name
                        + "' do not fit its " + original.outFeatures() + "×" + original.inFeatures() + " weight");
            }
            return new LoraHubBatchLinear(original, this, l, name);
        };
    }

    /** Σ wₘ·xₘ over the stacked modules into a new array, accumulated in float in module order (as torch sums a weighted list). */
    private static float[] axpy(float[] stack, double[] w) {
        int len = stack.length / w.length;
        float[] out = new float[len];
        for (int m = 0; m < w.length; m++) {
            float wm = (float) w[m];
            if (wm == 0f) continue;
            for (int i = 0, o = m * len; i < len; i++) out[i] += wm * stack[o + i];
        }
        return out;
    }

    private void checkWeights(double[] w) {
        if (w.length != modules.size()) {
            throw new BadInputException("got " + w.length + " weights for " + modules.size() + " LoRA modules");
        }
        for (double v : w) if (!Double.isFinite(v)) throw new BadInputException("weight " + v + " is not a finite number");
    }

    /**
     * The linear composition Σ wᵢ·sᵢ·BᵢAᵢ as one exact adapter: per layer A' = [A₁; A₂; ...] (rank Σrᵢ),
     * B' = [w₁s₁B₁, w₂s₂B₂, ...], scaling 1. Modules may adapt different layers (the union is adapted).
     * Its config (exact layer names, per-layer ranks) describes it for PEFT.
     */
    public static LoraAdapter composeDelta(List<LoraAdapter> modules, double[] w) {
        if (w.length != modules.size()) throw new BadInputException("got " + w.length + " weights for " + modules.size() + " LoRA modules");
        Map<String, List<Integer>> users = new LinkedHashMap<>();
        for (int m = 0; m < modules.size(); m++) {
            for (String layer : modules.get(m).layers().keySet()) users.computeIfAbsent(layer, k -> new ArrayList<>()).add(m);
        }
        Map<String, LoraWeights> out = new LinkedHashMap<>();
        for (var e : users.entrySet()) {
            List<LoraWeights> fs = new ArrayList<>();
            for (int m : e.getValue()) fs.add(modules.get(m).layers().get(e.getKey()));
            int in = fs.get(0).inFeatures(), o = fs.get(0).outFeatures(), rank = 0;
            for (LoraWeights f : fs) {
                if (f.inFeatures() != in || f.outFeatures() != o) {
                    throw new BadInputException("layer '" + e.getKey() + "' has different shapes in different LoRA modules");
                }
                rank += f.rank();
            }
            float[] ca = new float[rank * in], cb = new float[o * rank];
            int r0 = 0;
            for (int k = 0; k < fs.size(); k++) {
                LoraWeights f = fs.get(k);
                float c = (float) (w[e.getValue().get(k)] * f.scaling());
                float[] fa = f.a().toFloatArray(), fb = f.b().toFloatArray();
                System.arraycopy(fa, 0, ca, r0 * in, fa.length);
                for (int i = 0; i < o; i++) for (int j = 0; j < f.rank(); j++) cb[i * rank + r0 + j] = c * fb[i * f.rank() + j];
                r0 += f.rank();
            }
            out.put(e.getKey(), new LoraWeights(Tensor.of(ca, rank, in), Tensor.of(cb, o, rank), 1.0));
        }
        ObjectNode cfg = deltaConfig(modules.get(0).config().raw(), out);
        return new LoraAdapter("delta", LoraConfig.parse(cfg, "delta composition"), out);
    }

    /**
     * A PEFT config (based on {@code template}) for layers of possibly different ranks, all with scaling 1:
     * target_modules lists the exact layer names, the most common rank is r (= lora_alpha), other layers go to
     * rank_pattern / alpha_pattern with escaped exact names.
     */
    static ObjectNode deltaConfig(ObjectNode template, Map<String, LoraWeights> layers) {
        ObjectNode c = template.deepCopy();
        Map<Integer, Integer> counts = new LinkedHashMap<>();
        for (LoraWeights f : layers.values()) counts.merge(f.rank(), 1, Integer::sum);
        int r = counts.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
        c.put("r", r);
        c.put("lora_alpha", r);
        c.put("use_rslora", false);
        c.putNull("layers_to_transform");
        c.putNull("layers_pattern");
        var tm = c.putArray("target_modules");
        ObjectNode rp = c.putObject("rank_pattern"), ap = c.putObject("alpha_pattern");
        for (var e : layers.entrySet()) {
            tm.add(e.getKey());
            int rk = e.getValue().rank();
            if (rk != r) {
                String key = e.getKey().replace(".", "\\.");
                rp.put(key, rk);
                ap.put(key, rk);
            }
        }
        return c;
    }
}
