package io.lora4j.tests.t5;

import io.lora4j.engine.Tensor;
import io.lora4j.engine.io.SafetensorsFile;
import java.nio.file.Path;
import java.util.Arrays;

/** Reads a fixture written by tools/reference/t5_fixtures.py. */
final class T5Fixture {
    static final Path ROOT = Path.of("fixtures/t5");

    final Path dir;
    final SafetensorsFile expected;

    T5Fixture(String name) {
        this.dir = ROOT.resolve(name);
        this.expected = SafetensorsFile.open(dir.resolve("expected.safetensors"));
    }

    Tensor get(String name) {
        return expected.get(name);
    }

    int[][] ints(String name) {
        Tensor t = expected.get(name);
        int[] flat = t.toIntArray();
        int rows = t.dim(0), cols = t.dim(1);
        int[][] out = new int[rows][];
        for (int i = 0; i < rows; i++) out[i] = Arrays.copyOfRange(flat, i * cols, (i + 1) * cols);
        return out;
    }

    /** HF generate rows without the decoder start token, cut after the first EOS (HF pads the rest). */
    int[][] generated(String name, int eos) {
        int[][] rows = ints(name);
        int[][] out = new int[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            int end = rows[i].length;
            for (int j = 1; j < rows[i].length; j++) {
                if (rows[i][j] == eos) {
                    end = j + 1;
                    break;
                }
            }
            out[i] = Arrays.copyOfRange(rows[i], 1, end);
        }
        return out;
    }

    /** Max |a - b| over all elements (shapes must match). */
    static double maxAbsDiff(Tensor a, Tensor b) {
        if (!Arrays.equals(a.shape(), b.shape())) throw new AssertionError("shape " + Arrays.toString(a.shape()) + " != " + Arrays.toString(b.shape()));
        float[] x = a.toFloatArray(), y = b.toFloatArray();
        double m = 0;
        for (int i = 0; i < x.length; i++) m = Math.max(m, Math.abs((double) x[i] - y[i]));
        return m;
    }

    static double maxAbs(Tensor a) {
        double m = 0;
        for (float v : a.toFloatArray()) m = Math.max(m, Math.abs(v));
        return m;
    }
}
