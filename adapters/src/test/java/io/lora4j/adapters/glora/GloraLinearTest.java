package io.lora4j.adapters.glora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lora4j.engine.ScalarBackend;
import io.lora4j.engine.Tensor;
import io.lora4j.models.nn.DenseLinear;
import io.lora4j.models.nn.ForwardContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class GloraLinearTest {
    static final int O = 7, I = 5, R = 3;

    static Tensor rand(Random r, int... shape) {
        int n = 1;
        for (int d : shape) n *= d;
        float[] v = new float[n];
        for (int k = 0; k < n; k++) v[k] = (float) r.nextGaussian();
        return Tensor.of(v, shape);
    }

    /** Supernet tensors with every entry non-zero (a trained supernet). */
    static GloraLayerWeights randomWeights(Random r, LayerShape s, int rank) {
        return new GloraLayerWeights(s, rank, rand(r, s.out(), rank), rand(r, rank, s.in()), rand(r, s.out(), rank), rand(r, rank, s.in()),
                rand(r, s.in(), rank), rand(r, rank, 1), rand(r, s.out()), rand(r, s.out()));
    }

    /** Every configuration of the search space plus some with LoRA rank below R. */
    static List<GloraLayerConfig> allConfigs() {
        List<GloraLayerConfig> all = new ArrayList<>();
        for (GloraMode a : GloraPath.A.choices(R))
            for (GloraMode b : GloraPath.B.choices(R))
                for (GloraMode c : GloraPath.C.choices(R))
                    for (GloraMode d : GloraPath.D.choices(R))
                        for (GloraMode e : GloraPath.E.choices(R)) all.add(new GloraLayerConfig(a, b, c, d, e));
        all.add(new GloraLayerConfig(GloraMode.lora(1), GloraMode.lora(2), GloraMode.lora(1), GloraMode.VECTOR, GloraMode.CONSTANT));
        return all;
    }

    /** The METHODS.md formulas, written out independently in double: W_uni and b_uni. */
    static double[][] naive(Tensor w0t, Tensor b0t, GloraLayerWeights g, GloraLayerConfig c) {
        float[] w0 = w0t.toFloatArray();
        double[] w = new double[O * I], b = new double[O];
        for (int o = 0; o < O; o++) {
            for (int i = 0; i < I; i++) {
                double a = pathAB(c.a(), g.ad(), g.au(), o, i), bb = pathAB(c.b(), g.bd(), g.bu(), o, i);
                w[o * I + i] = w0[o * I + i] * (1 + a) + bb;
            }
            double b0 = b0t == null ? 0 : b0t.get(o);
            double d = pathDE(c.d(), g.d(), o), e = pathDE(c.e(), g.e(), o);
            double ct = 0;
            for (int i = 0; i < I; i++) {
                double ci = switch (c.c().kind()) {
                    case LORA -> { double s = 0; for (int k = 0; k < c.c().rank(); k++) s += g.cd().get(i, k) * g.cu().get(k, 0); yield s; }
                    case VECTOR -> g.cd().get(i, 0);
                    default -> 0;
                };
                ct += w0[o * I + i] * ci;
            }
            b[o] = b0 + b0 * d + e + ct;
        }
        return new double[][] {w, b};
    }

    static double pathAB(GloraMode m, Tensor xd, Tensor xu, int o, int i) {
        return switch (m.kind()) {
            case LORA -> { double s = 0; for (int k = 0; k < m.rank(); k++) s += xd.get(o, k) * xu.get(k, i); yield s; }
            case VECTOR -> xd.get(o, 0);
            case CONSTANT -> xd.get(0, 0);
            case NONE -> 0;
        };
    }

    static double pathDE(GloraMode m, Tensor v, int o) {
        return switch (m.kind()) {
            case VECTOR -> v.get(o);
            case CONSTANT -> v.get(0);
            default -> 0;
        };
    }

    static void assertClose(double[] expect, float[] got, double tol, String what) {
        assertEquals(expect.length, got.length, what);
        for (int k = 0; k < got.length; k++) {
            assertTrue(Math.abs(expect[k] - got[k]) <= tol * (1 + Math.abs(expect[k])), what + " [" + k + "]: expected " + expect[k] + ", got " + got[k]);
        }
    }

    @Test
    void reparameterizedMatchesFormulasAndTrainingFormForEveryConfiguration() {
        Random r = new Random(1);
        LayerShape s = new LayerShape("layer", O, I);
        Tensor w0 = rand(r, O, I), b0 = rand(r, O);
        GloraLayerWeights g = randomWeights(r, s, R);
        Tensor x = rand(r, 2, 3, I);
        ScalarBackend be = new ScalarBackend();
        List<GloraLayerConfig> all = allConfigs();
        assertEquals(432 + 1, all.size());
        for (boolean withBias : new boolean[] {true, false}) {
            Tensor bias = withBias ? b0 : null;
            for (GloraLayerConfig c : all) {
                GloraLinear gl = new GloraLinear("layer", w0, bias, g, c);
                DenseLinear m = gl.reparameterize();
                double[][] ref = naive(w0, bias, g, c);
                assertClose(ref[0], m.weight().toFloatArray(), 1e-5, c + " W_uni");
                if (m.bias() == null) {
                    assertTrue(!withBias && c.c().kind() == GloraMode.Kind.NONE && c.e().kind() == GloraMode.Kind.NONE, c + " lost its bias");
                    for (double v : ref[1]) assertEquals(0.0, v, 0.0);
                } else {
                    assertClose(ref[1], m.bias().toFloatArray(), 1e-5, c + " b_uni");
                }
                float[] train = gl.forward(be, x, ForwardContext.NONE).toFloatArray();
                float[] merged = m.forward(be, x, ForwardContext.NONE).toFloatArray();
                double[] md = new double[merged.length];
                for (int k = 0; k < md.length; k++) md[k] = merged[k];
                assertClose(md, train, 1e-4, c + " training form vs reparameterized");
            }
        }
    }

    @Test
    void freshSupernetIsThePretrainedLayerInEveryConfiguration() {
        Random r = new Random(2);
        LayerShape s = new LayerShape("layer", O, I);
        Tensor w0 = rand(r, O, I), b0 = rand(r, O);
        GloraLayerWeights g = GloraLayerWeights.init(s, R, new java.util.SplittableRandom(3));
        for (GloraLayerConfig c : allConfigs()) {
            DenseLinear m = new GloraLinear("layer", w0, b0, g, c).reparameterize();
            assertArrayEquals(w0.toFloatArray(), m.weight().toFloatArray(), c.toString());
            assertArrayEquals(b0.toFloatArray(), m.bias().toFloatArray(), c.toString());
        }
        // Xavier-uniform factors are non-zero and inside the bound sqrt(6/(fan_in+fan_out)).
        double bound = Math.sqrt(6.0 / (R + I));
        for (float v : g.au().toFloatArray()) assertTrue(v != 0 && Math.abs(v) <= bound);
        for (float v : g.ad().toFloatArray()) assertEquals(0f, v);
        for (float v : g.cu().toFloatArray()) assertTrue(v != 0 && Math.abs(v) <= Math.sqrt(6.0 / (R + 1)));
    }

    @Test
    void parameterCountsFollowMethods() {
        // METHODS.md: A, B: LoRA (O+I)·r, vector O, constant 1; C: LoRA (I+1)·r, vector I; D, E: vector O, constant 1.
        int o = 768, i = 3072;
        assertEquals((768 + 3072) * 4L, GloraPath.A.paramCount(GloraMode.lora(4), o, i));
        assertEquals(768, GloraPath.B.paramCount(GloraMode.VECTOR, o, i));
        assertEquals(1, GloraPath.A.paramCount(GloraMode.CONSTANT, o, i));
        assertEquals((3072 + 1) * 2L, GloraPath.C.paramCount(GloraMode.lora(2), o, i));
        assertEquals(3072, GloraPath.C.paramCount(GloraMode.VECTOR, o, i));
        assertEquals(768, GloraPath.D.paramCount(GloraMode.VECTOR, o, i));
        assertEquals(1, GloraPath.E.paramCount(GloraMode.CONSTANT, o, i));
        assertEquals(0, GloraLayerConfig.NONE.paramCount(o, i));
        GloraLayerConfig c = GloraLayerConfig.of("LoRA_4", "constant", "vector", "constant", "vector");
        assertEquals((768 + 3072) * 4L + 1 + 3072 + 1 + 768, c.paramCount(o, i));
        // Search space: 4·4·3·3·3 = 432 per layer.
        int n = 1;
        for (GloraPath p : GloraPath.values()) n *= p.choices(4).size();
        assertEquals(432, n);
    }
}
