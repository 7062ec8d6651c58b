package io.lora4j.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The default adapter ops of {@link Backend} (weightedSum, gloraWeight) against hand-written loops. */
class AdapterOpsDefaultsTest {
    private final Backend b = new ScalarBackend();

    @Test
    void weightedSumIsTheLoraHubComposition() {
        Tensor a1 = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3), a2 = Tensor.of(new float[] {-1, 0, 2, 0.5f, 1, -3}, 2, 3);
        Tensor got = b.weightedSum(new float[] {0.5f, 2f}, a1, a2);
        float[] want = new float[6];
        for (int i = 0; i < 6; i++) want[i] = 0.5f * a1.toFloatArray()[i] + 2f * a2.toFloatArray()[i];
        assertArrayEquals(want, got.toFloatArray(), 1e-6f);
        assertArrayEquals(new int[] {2, 3}, got.shape());
        assertThrows(IllegalArgumentException.class, () -> b.weightedSum(new float[] {1}, a1, a2));
        assertThrows(IllegalArgumentException.class, () -> b.weightedSum(new float[] {1, 1}, a1, a1.reshape(3, 2)));
    }

    @Test
    void gloraWeightBroadcastsVectorAndScalarPaths() {
        int o = 3, in = 4;
        float[] w = new float[o * in];
        for (int i = 0; i < w.length; i++) w[i] = i - 5.5f;
        Tensor w0 = Tensor.of(w, o, in);
        Tensor aVec = Tensor.of(new float[] {0.1f, -0.2f, 0.3f}, o, 1), bScalar = Tensor.scalar(0.25f);
        Tensor got = b.gloraWeight(w0, aVec, bScalar);
        for (int r = 0; r < o; r++)
            for (int c = 0; c < in; c++)
                assertEquals(w[r * in + c] * (1 + aVec.get(r, 0)) + 0.25f, got.get(r, c), 1e-6f, "(" + r + "," + c + ")");
        Tensor none = b.gloraWeight(w0, null, null);
        assertArrayEquals(w, none.toFloatArray());
        assertTrue(none != w0, "a new tensor, never the input");
        assertThrows(IllegalArgumentException.class, () -> b.gloraWeight(w0, Tensor.of(new float[5], 5), null));
    }
}
