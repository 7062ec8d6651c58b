package io.lora4j.engine;

import io.lora4j.engine.cpu.Attention;
import io.lora4j.engine.cpu.BatchedMatmul;
import io.lora4j.engine.cpu.Elementwise;
import io.lora4j.engine.cpu.Gather;
import io.lora4j.engine.cpu.LinearOps;
import io.lora4j.engine.cpu.Parallel;
import io.lora4j.engine.cpu.RowOps;

/**
 * The fast CPU backend: Vector API kernels (package {@code io.lora4j.engine.cpu}) on a worker pool
 * owned by this backend ({@code threads - 1} workers plus the calling thread), released by
 * {@link #close()}. Every op is differential-tested against {@link ScalarBackend}. Inputs may be any
 * view (strided, transposed, narrowed, segment-backed); fast paths copy to contiguous F32 where
 * they need to, except Linear weights, which are read in place in their stored dtype.
 */
public final class CpuBackend implements Backend {
    private final Parallel par;

    /** A backend with {@code threads} worker threads (≥ 1), counting the caller. */
    public CpuBackend(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be ≥ 1");
        this.par = new Parallel(threads);
    }

    @Override public String name() { return "cpu"; }
    @Override public int threads() { return par.threads(); }
    @Override public void close() { par.close(); }

    @Override public Tensor linear(Tensor x, Tensor w, Tensor bias) { return LinearOps.linear(par, x, w, bias); }
    @Override public Tensor matmul(Tensor a, Tensor b) { return BatchedMatmul.matmul(par, a, b); }
    @Override public Tensor attention(Tensor q, Tensor k, Tensor v, Tensor bias, int heads) { return Attention.attention(par, q, k, v, bias, heads); }
    @Override public Tensor[] linears(Tensor x, Tensor[] weights, Tensor[] biases) { return LinearOps.linears(par, x, weights, biases); }
    @Override public Tensor attentionKeys(Tensor k) { return Attention.transposedKeys(par, k); }
    @Override public Tensor add(Tensor a, Tensor b) { return Elementwise.binary(par, a, b, Elementwise.Binary.ADD); }
    @Override public Tensor mul(Tensor a, Tensor b) { return Elementwise.binary(par, a, b, Elementwise.Binary.MUL); }
    @Override public Tensor scale(Tensor x, float s) { return Elementwise.map(par, x, Elementwise.scale(s)); }
    @Override public Tensor relu(Tensor x) { return Elementwise.map(par, x, Elementwise.RELU); }
    @Override public Tensor gelu(Tensor x) { return Elementwise.map(par, x, Elementwise.GELU); }
    @Override public Tensor geluTanh(Tensor x) { return Elementwise.map(par, x, Elementwise.GELU_TANH); }
    @Override public Tensor silu(Tensor x) { return Elementwise.map(par, x, Elementwise.SILU); }
    @Override public Tensor softmax(Tensor x, Tensor bias) { return RowOps.softmax(par, x, bias); }
    @Override public Tensor logSoftmax(Tensor x) { return RowOps.logSoftmax(par, x); }
    @Override public Tensor layerNorm(Tensor x, Tensor g, Tensor b, float eps) { return RowOps.layerNorm(par, x, g, b, eps); }
    @Override public Tensor rmsNorm(Tensor x, Tensor g, float eps) { return RowOps.rmsNorm(par, x, g, eps); }
    @Override public Tensor embedding(Tensor table, int[] ids) { return Gather.embedding(par, table, ids); }
    @Override public int[] argmax(Tensor x) { return RowOps.argmax(par, x); }
    @Override public TopK topk(Tensor x, int k) { return RowOps.topk(par, x, k); }
    @Override public CrossEntropy crossEntropy(Tensor l, int[] y, int ig) { return RowOps.crossEntropy(par, l, y, ig); }
    @Override public Tensor concat(int dim, Tensor... parts) { return Concat.concat(dim, parts); }
    @Override public Tensor im2colPatches(Tensor images, int patch) { return Gather.im2colPatches(par, images, patch); }
    @Override public Tensor weightedSum(float[] weights, Tensor... parts) { return Elementwise.weightedSum(par, weights, parts); }
    @Override public Tensor addLowRank(Tensor w, float s, Tensor b, Tensor a) { return LinearOps.addLowRank(par, w, s, b, a); }
}
