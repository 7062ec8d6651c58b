package io.lora4j.adapters.lora;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.lora4j.engine.Tensor;
import io.lora4j.engine.io.Checkpoints;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/** Toy base checkpoints and adapters for unit tests. */
public final class LoraTestData {
    private LoraTestData() {}

    public static Tensor random(Random rnd, int... shape) {
        int n = 1;
        for (int d : shape) n *= d;
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) rnd.nextGaussian();
        return Tensor.of(v, shape);
    }

    public static LoraConfig config(String json) {
        try {
            return LoraConfig.parse(new ObjectMapper().readTree(json), "test");
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    /** A toy base: two "blocks", each with q [6×5] and v [4×5] linears and a norm vector. */
    public static Map<String, Tensor> base(long seed) {
        Random rnd = new Random(seed);
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (int i = 0; i < 2; i++) {
            m.put("enc.block." + i + ".attn.q.weight", random(rnd, 6, 5));
            m.put("enc.block." + i + ".attn.v.weight", random(rnd, 4, 5));
            m.put("enc.block." + i + ".norm.weight", random(rnd, 5));
        }
        return m;
    }

    /** An adapter of rank r on q and v of both blocks, scaling alpha/r. */
    public static LoraAdapter adapter(String name, long seed, int r, double alpha) {
        Random rnd = new Random(seed);
        Map<String, Tensor> t = new LinkedHashMap<>();
        for (int i = 0; i < 2; i++) {
            t.put("base_model.model.enc.block." + i + ".attn.q.lora_A.weight", random(rnd, r, 5));
            t.put("base_model.model.enc.block." + i + ".attn.q.lora_B.weight", random(rnd, 6, r));
            t.put("base_model.model.enc.block." + i + ".attn.v.lora_A.weight", random(rnd, r, 5));
            t.put("base_model.model.enc.block." + i + ".attn.v.lora_B.weight", random(rnd, 4, r));
        }
        LoraConfig c = config("{\"peft_type\":\"LORA\",\"r\":" + r + ",\"lora_alpha\":" + alpha + ",\"target_modules\":[\"q\",\"v\"],\"bias\":\"none\"}");
        return LoraAdapter.fromTensors(name, c, Checkpoints.of(name, t));
    }

    /** Plain reference: W0 + s·B·A, in double. */
    public static float[] merged(Tensor w0, double s, Tensor b, Tensor a) {
        int o = w0.dim(0), in = w0.dim(1), r = a.dim(0);
        float[] out = new float[o * in];
        for (int i = 0; i < o; i++)
            for (int j = 0; j < in; j++) {
                double acc = 0;
                for (int k = 0; k < r; k++) acc += (double) b.get(i, k) * a.get(k, j);
                out[i * in + j] = (float) (w0.get(i, j) + s * acc);
            }
        return out;
    }
}
