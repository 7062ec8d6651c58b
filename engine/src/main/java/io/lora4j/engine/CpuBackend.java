package io.lora4j.engine;

/**
 * The fast CPU backend (Vector API kernels, multithreaded). Work in progress: for now every op
 * is the scalar reference's; the vectorized kernels replace them op by op, each under a
 * differential test against {@link ScalarBackend}.
 */
public final class CpuBackend implements Backend {
    private final int threads;
    private final ScalarBackend ref = new ScalarBackend();

    public CpuBackend(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be ≥ 1");
        this.threads = threads;
    }

    @Override public String name() { return "cpu"; }
    @Override public int threads() { return threads; }
    @Override public void close() {}
    @Override public Tensor linear(Tensor x, Tensor w, Tensor bias) { return ref.linear(x, w, bias); }
    @Override public Tensor matmul(Tensor a, Tensor b) { return ref.matmul(a, b); }
    @Override public Tensor add(Tensor a, Tensor b) { return ref.add(a, b); }
    @Override public Tensor mul(Tensor a, Tensor b) { return ref.mul(a, b); }
    @Override public Tensor scale(Tensor x, float s) { return ref.scale(x, s); }
    @Override public Tensor relu(Tensor x) { return ref.relu(x); }
    @Override public Tensor gelu(Tensor x) { return ref.gelu(x); }
    @Override public Tensor geluTanh(Tensor x) { return ref.geluTanh(x); }
    @Override public Tensor silu(Tensor x) { return ref.silu(x); }
    @Override public Tensor softmax(Tensor x, Tensor bias) { return ref.softmax(x, bias); }
    @Override public Tensor logSoftmax(Tensor x) { return ref.logSoftmax(x); }
    @Override public Tensor layerNorm(Tensor x, Tensor g, Tensor b, float eps) { return ref.layerNorm(x, g, b, eps); }
    @Override public Tensor rmsNorm(Tensor x, Tensor g, float eps) { return ref.rmsNorm(x, g, eps); }
    @Override public Tensor embedding(Tensor table, int[] ids) { return ref.embedding(table, ids); }
    @Override public int[] argmax(Tensor x) { return ref.argmax(x); }
    @Override public TopK topk(Tensor x, int k) { return ref.topk(x, k); }
    @Override public CrossEntropy crossEntropy(Tensor l, int[] y, int ig) { return ref.crossEntropy(l, y, ig); }
    @Override public Tensor concat(int dim, Tensor... parts) { return ref.concat(dim, parts); }
    @Override public Tensor im2colPatches(Tensor images, int patch) { return ref.im2colPatches(images, patch); }
    @Override public Tensor addLowRank(Tensor w, float s, Tensor b, Tensor a) { return ref.addLowRank(w, s, b, a); }
}
