package io.lora4j.tornadovm;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/** Adapter kernels: LoRAHub composition and the GLoRA reparameterization. */
public final class AdapterKernels {
    private AdapterKernels() {}

    /**
     * LoRAHub composition out[j] = Σᵢ wᵢ·stack[i·size + j]: the stacked modules' A (or B) matrices
     * stay on the device, only the weights w cross per call. dims = (count, size).
     */
    public static void weightedSum(KernelContext ctx, FloatArray stack, FloatArray w, FloatArray out, IntArray dims) {
        int j = ctx.globalIdx;
        int count = dims.get(0);
        int size = dims.get(1);
        if (j < size) {
            float acc = 0.0f;
            for (int i = 0; i < count; i++) {
                acc += w.get(i) * stack.get(i * size + j);
            }
            out.set(j, acc);
        }
    }

    /**
     * GLoRA W_uni[o, i] = W0[o, i] + W0[o, i]·A[o·sAo + i·sAi] + B[o·sBo + i·sBi], where the strides
     * broadcast A and B (dense [O, I], an [O, 1] vector or a scalar; a missing path has hasA/hasB 0).
     * dims = (O, I, hasA, sAo, sAi, hasB, sBo, sBi). Global work (I, O).
     */
    public static void gloraWeight(KernelContext ctx, FloatArray w0, FloatArray a, FloatArray b, FloatArray out, IntArray dims) {
        int i = ctx.globalIdx;
        int o = ctx.globalIdy;
        int rows = dims.get(0);
        int cols = dims.get(1);
        if (i < cols && o < rows) {
            float w = w0.get(o * cols + i);
            float v = w;
            if (dims.get(2) == 1) {
                v = v + w * a.get(o * dims.get(3) + i * dims.get(4));
            }
            if (dims.get(5) == 1) {
                v = v + b.get(o * dims.get(6) + i * dims.get(7));
            }
            out.set(o * cols + i, v);
        }
    }
}
