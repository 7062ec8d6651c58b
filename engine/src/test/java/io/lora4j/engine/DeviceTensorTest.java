package io.lora4j.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The engine's device-storage hook (DeviceData): views and whole-storage contiguous() do not read the
 * data; the first host read downloads it once; every host op (CPU backends) gives the same result as
 * on the equivalent heap tensor; a device copy offered by the owner replaces the host copy.
 */
class DeviceTensorTest {
    /** Device data backed by a hidden array; counts downloads; optionally makes "device" contiguous copies. */
    static final class FakeDevice implements DeviceData {
        final float[] data;
        final boolean copies;
        int downloads, deviceCopies;
        private float[] host;

        FakeDevice(float[] data, boolean copies) {
            this.data = data;
            this.copies = copies;
        }

        @Override public int size() { return data.length; }

        @Override
        public float[] hostArray() {
            if (host == null) {
                downloads++;
                host = data.clone();
            }
            return host;
        }

        @Override
        public Tensor contiguous(Tensor view) {
            if (!copies) return null;
            deviceCopies++;
            // what a device would compute, without touching hostArray()
            Tensor heapView = view(Tensor.of(data, size()), view);
            return Tensor.onDevice(new FakeDevice(heapView.toFloatArray(), true), view.shape());
        }

        /** The same geometry as {@code v} over a heap tensor t of the same storage. */
        private static Tensor view(Tensor flat, Tensor v) {
            float[] a = flat.array();
            float[] out = new float[v.numel()];
            int r = v.rank();
            int[] idx = new int[r];
            for (int i = 0; i < out.length; i++) {
                long p = v.offset();
                for (int d = 0; d < r; d++) p += idx[d] * v.stride(d);
                out[i] = a[(int) p];
                for (int d = r - 1; d >= 0; d--) {
                    if (++idx[d] < v.dim(d)) break;
                    idx[d] = 0;
                }
            }
            return Tensor.of(out, v.shape());
        }
    }

    private static float[] random(int n, long seed) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian();
        return v;
    }

    @Test
    void viewsAndWholeContiguousDoNotDownload() {
        float[] v = random(2 * 3 * 4, 1);
        FakeDevice d = new FakeDevice(v, false);
        Tensor t = Tensor.onDevice(d, 2, 3, 4);
        assertTrue(t.isOnDevice());
        assertTrue(t.isHeapF32());
        assertEquals(DType.F32, t.dtype());
        Tensor p = t.reshape(6, 4).reshape(2, 3, 4).permute(2, 0, 1).narrow(0, 1, 2).select(1, 1).unsqueeze(0);
        assertSame(d, p.deviceData());
        assertSame(t, t.contiguous());
        Tensor r = t.reshape(2, 12);
        assertSame(r, r.contiguous());
        assertEquals(0, d.downloads);
        assertEquals("Tensor(F32, [2, 3, 4], device)", t.toString());
    }

    @Test
    void hostReadsDownloadOnceAndMatchHeap() {
        float[] v = random(2 * 3 * 4, 2);
        FakeDevice d = new FakeDevice(v, false);
        Tensor t = Tensor.onDevice(d, 2, 3, 4);
        Tensor h = Tensor.of(v.clone(), 2, 3, 4);
        assertEquals(h.get(1, 2, 3), t.get(1, 2, 3));
        Tensor tp = t.permute(2, 0, 1).narrow(0, 1, 2), hp = h.permute(2, 0, 1).narrow(0, 1, 2);
        assertArrayEquals(hp.toFloatArray(), tp.toFloatArray());
        assertArrayEquals(hp.contiguous().toFloatArray(), tp.contiguous().toFloatArray());
        assertArrayEquals(h.toLongArray(), t.toLongArray());
        assertSame(t.array(), t.select(0, 1).array());
        assertEquals(1, d.downloads);
        assertThrows(UnsupportedOperationException.class, () -> t.set(1f, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> Tensor.onDevice(d, 5, 5));
        assertNull(t.segment());
    }

    @Test
    void cpuBackendsComputeOnDeviceTensorsAsOnHeapTensors() {
        float[] x = random(3 * 5 * 8, 3), w = random(6 * 8, 4), g = random(8, 5);
        Tensor xd = Tensor.onDevice(new FakeDevice(x, false), 3, 5, 8), xh = Tensor.of(x.clone(), 3, 5, 8);
        Tensor wd = Tensor.onDevice(new FakeDevice(w, false), 6, 8), wh = Tensor.of(w.clone(), 6, 8);
        try (Backend cpu = new CpuBackend(2); Backend scalar = new ScalarBackend()) {
            for (Backend be : new Backend[] {cpu, scalar}) {
                assertArrayEquals(be.linear(xh, wh, null).toFloatArray(), be.linear(xd, wd, null).toFloatArray(), be.name());
                assertArrayEquals(be.rmsNorm(xh, Tensor.of(g, 8), 1e-6f).toFloatArray(), be.rmsNorm(xd, Tensor.of(g, 8), 1e-6f).toFloatArray(), be.name());
                assertArrayEquals(be.matmul(xh, xh.transpose(-1, -2)).toFloatArray(), be.matmul(xd, xd.transpose(-1, -2)).toFloatArray(), be.name());
                assertArrayEquals(be.add(xh, xh.select(0, 1)).toFloatArray(), be.add(xd, xd.select(0, 1)).toFloatArray(), be.name());
                assertArrayEquals(be.concat(1, xh, xh).toFloatArray(), be.concat(1, xd, xd).toFloatArray(), be.name());
            }
        }
    }

    @Test
    void ownersDeviceCopyReplacesTheHostCopy() {
        float[] v = random(2 * 3 * 4, 6);
        FakeDevice d = new FakeDevice(v, true);
        Tensor t = Tensor.onDevice(d, 2, 3, 4);
        Tensor c = t.permute(0, 2, 1).contiguous();
        assertTrue(c.isOnDevice());
        assertEquals(1, d.deviceCopies);
        assertEquals(0, d.downloads);
        assertArrayEquals(Tensor.of(v.clone(), 2, 3, 4).permute(0, 2, 1).toFloatArray(), c.toFloatArray());
        assertArrayEquals(new int[] {2, 4, 3}, c.shape());
    }
}
