package io.lora4j.tornadovm;

import static io.lora4j.tornadovm.KernelPlan.capacity;
import static io.lora4j.tornadovm.KernelPlan.copyIn;
import static io.lora4j.tornadovm.KernelPlan.setDims;

import io.lora4j.engine.Backend;
import io.lora4j.engine.CpuBackend;
import io.lora4j.engine.Shapes;
import io.lora4j.engine.Tensor;
import java.util.Arrays;
import java.util.List;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * The TornadoVM backend: matmuls, elementwise ops, normalizations and adapter merges run as
 * TornadoVM kernels (OpenCL/PTX, JIT-compiled from the Java kernels in {@link GemmKernels},
 * {@link ElementwiseKernels}, {@link AdapterKernels}) on TornadoVM's default device.
 *
 * <p>Weights persist on the device: a weight (keyed by {@link WeightKey}) seen a second time gets
 * its own plan whose weight buffer is uploaded once (DataTransferMode.FIRST_EXECUTION); only the
 * input and the used part of the result cross per call. Seen once, it goes through a shared streaming plan, which
 * spares one kernel compilation per one-off tensor. Plans live in an LRU cache ({@link PlanCache}).
 *
 * <p>On the CPU backend (not offloaded): embedding, argmax, topk, crossEntropy, concat,
 * im2colPatches (gathers and reductions with small outputs), broadcasts other than "a trailing
 * part of the result shape", and batched matmuls whose batch dims broadcast partially.
 *
 * <p>Thread-safe: device work is serialized on one lock (one device queue).
 */
public final class TornadoVmBackend implements Backend {
    private static final int T = GemmKernels.TILE;

    static {
        // A trace runs as one TaskGraph whose TornadoVM bytecode grows by ~150 B per op; TornadoVM's default
        // buffer (4 KB, read once when its runtime first compiles a graph) holds about 25 ops.
        System.getProperties().putIfAbsent("tornado.tvm.maxbytecodesize", String.valueOf(512 << 10));
    }
    private static final int LOCAL_1D = 64;

    private final CpuBackend cpu;
    private final PlanCache plans = new PlanCache(Integer.getInteger("lora4j.tornadovm.maxPlans", 1024));
    private final Object lock = new Object();
    private final TransferStats stats = new TransferStats();
    /** Device-resident activations (recorded ops, see {@link Resident}); null when every op returns a host tensor. */
    private final Resident resident;
    private final String device;
    /** Tiled (local-memory) GEMM on GPUs; the direct kernel on CPU OpenCL devices (-Dlora4j.tornadovm.gemm=tiled|direct overrides). */
    private final boolean tiled;

    /** Host↔device traffic since the last {@link #resetTransfers()}: bytes each way, graph executions, downloads, plans compiled. */
    public record Transfers(long bytesToDevice, long bytesToHost, long executions, long downloads, long plansBuilt) {}

    /** Activations resident on the device unless -Dlora4j.tornadovm.resident=false. */
    public TornadoVmBackend(int threads) {
        this(threads, Boolean.parseBoolean(System.getProperty("lora4j.tornadovm.resident", "true")));
    }

    /**
     * @param residentActivations true: linear, matmul, elementwise, softmax and norm results stay on the device
     *     (tensors over device data, read to the host only when something reads them there); false: every
     *     op uploads its inputs and downloads its result.
     */
    public TornadoVmBackend(int threads, boolean residentActivations) {
        this.cpu = new CpuBackend(threads);
        var d = TornadoExecutionPlan.DEFAULT_DEVICE;
        String g = System.getProperty("lora4j.tornadovm.gemm", "auto");
        this.tiled = g.equals("auto") ? d.getDeviceType() != uk.ac.manchester.tornado.api.enums.TornadoDeviceType.CPU : g.equals("tiled");
        this.device = d.getPhysicalDevice().getDeviceName() + " (" + d.getPlatformName() + ", TornadoVM " + d.getDeviceName() + ")";
        this.resident = residentActivations ? new Resident(lock, plans, stats, tiled, Integer.getInteger("lora4j.tornadovm.maxTraceOps", 1024)) : null;
    }

    /** True when op results stay on the device (see the constructor). */
    public boolean residentActivations() {
        return resident != null;
    }

    /** Host↔device traffic counted since the last reset (or since the backend was made). */
    public Transfers transfers() {
        synchronized (lock) {
            return stats.snapshot();
        }
    }

    public void resetTransfers() {
        synchronized (lock) {
            stats.reset();
        }
    }

    /** Runs the recorded device ops now (their results stay on the device); a no-op without resident activations. */
    public void flush() {
        if (resident != null) resident.flush();
    }

    @Override public String name() { return "tornadovm"; }
    @Override public int threads() { return cpu.threads(); }

    /** The device kernels run on (TornadoVM's default device; choose another with -Dtornado.device... see docs). */
    public String deviceName() {
        return device;
    }

    /** Compiled plans currently cached (each holds its device buffers). */
    public int cachedPlans() {
        synchronized (lock) {
            return plans.size();
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            if (resident != null) resident.clear();
            plans.clear();
        }
        cpu.close();
    }

    // ------------------------------------------------------------------ GEMM

    /** Buffers of a GEMM plan: A and B (B persistent in weight plans), bias, C, sizes. */
    private record Gemm(KernelPlan plan, FloatArray a, FloatArray b, FloatArray bias, FloatArray c, IntArray dims) {}

    private Gemm gemmPlan(Object key, int capA, int capB, int capBias, int capC, boolean persistentB, Tensor w, Tensor bias) {
        return plans.get(key, Gemm::plan, () -> {
            FloatArray a = new FloatArray(capA), b = new FloatArray(capB), bs = new FloatArray(Math.max(capBias, 1)), c = new FloatArray(capC);
            IntArray dims = new IntArray(GemmKernels.D_LEN);
            TaskGraph g = new TaskGraph(KernelPlan.newGraphName("gemm"));
            if (persistentB) {
                copyIn(w.toFloatArray(), b);
                if (bias != null) copyIn(bias.toFloatArray(), bs);
                g.transferToDevice(DataTransferMode.FIRST_EXECUTION, b, bs);
                g.transferToDevice(DataTransferMode.EVERY_EXECUTION, a, dims);
            } else {
                g.transferToDevice(DataTransferMode.EVERY_EXECUTION, a, b, bs, dims);
            }
            if (tiled) g.task("t", GemmKernels::tiledGemm, new KernelContext(), a, b, bs, c, dims, 0);
            else g.task("t", GemmKernels::directGemm, new KernelContext(), a, b, bs, c, dims, 0);
            g.transferToHost(DataTransferMode.UNDER_DEMAND, c);
            Object[] every = persistentB ? new Object[] {a, dims} : new Object[] {a, b, bs, dims}, first = persistentB ? new Object[] {b, bs} : new Object[0];
            return new Gemm(KernelPlan.of(g, 2, tiled ? T : 32, tiled ? T : 1, stats, every, first), a, b, bs, c, dims);
        });
    }

    private float[] runGemm(Gemm p, int batch, int m, int n, int k, boolean transB, boolean bias, int aStride, int bStride) {
        if (!tiled) { // D_TILES_M slot carries the batch count for the direct kernel
            setDims(p.dims, m, n, k, transB ? 1 : 0, bias ? 1 : 0, batch, aStride, bStride);
            return p.plan.run((long) n, (long) m * batch, p.c, batch * m * n);
        }
        int tilesM = (m + T - 1) / T;
        setDims(p.dims, m, n, k, transB ? 1 : 0, bias ? 1 : 0, tilesM, aStride, bStride);
        return p.plan.run((long) n, (long) tilesM * T * batch, p.c, batch * m * n);
    }

    @Override
    public Tensor linear(Tensor x, Tensor w, Tensor bias) {
        if (w.rank() != 2) throw new IllegalArgumentException("linear: weight must be [N, K], got " + Arrays.toString(w.shape()));
        int n = w.dim(0), k = w.dim(1);
        Shapes.requireLastDim(x, k, "linear input");
        if (bias != null) Shapes.requireLastDim(bias, n, "linear bias");
        int m = x.numel() / Math.max(k, 1);
        if (m == 0 || n == 0 || k == 0) return cpu.linear(x, w, bias);
        if (resident != null && Resident.gatherable(x.shape())) return resident.linear(x, w, bias);
        int[] shape = x.shape();
        shape[shape.length - 1] = n;
        synchronized (lock) {
            int capA = capacity(m * k), capC = capacity(m * n);
            WeightKey wk = WeightKey.of(w);
            Object bk = bias == null ? "no-bias" : WeightKey.of(bias);
            Gemm p;
            if (plans.seenBefore(List.of("linear", wk, bk))) {
                // one resident plan per weight; rebuilt (weight uploaded again) only when x outgrows its buffers
                Object key = List.of("linear-w", wk, bk);
                Gemm old = plans.peek(key);
                if (old != null && (old.a.getSize() < m * k || old.c.getSize() < m * n)) plans.remove(key);
                int rows = 16;
                while (rows < m) rows <<= 1;
                p = gemmPlan(key, rows * k, n * k, n, rows * n, true, w, bias);
            } else {
                p = gemmPlan(List.of("gemm", capA, capacity(n * k), capacity(n), capC), capA, capacity(n * k), capacity(n), capC, false, null, null);
                copyIn(w.toFloatArray(), p.b);
                if (bias != null) copyIn(bias.toFloatArray(), p.bias);
            }
            copyInTensor(x, p.a);
            return Tensor.of(runGemm(p, 1, m, n, k, true, bias != null, 0, 0), shape);
        }
    }

    @Override
    public Tensor matmul(Tensor a, Tensor b) {
        if (a.rank() < 2 || b.rank() < 2) throw new IllegalArgumentException("matmul needs rank ≥ 2 operands");
        int m = a.dim(-2), k = a.dim(-1), n = b.dim(-1);
        if (b.dim(-2) != k) throw new IllegalArgumentException("matmul: " + Arrays.toString(a.shape()) + " · " + Arrays.toString(b.shape()));
        int[] aBatch = Arrays.copyOf(a.shape(), a.rank() - 2), bBatch = Arrays.copyOf(b.shape(), b.rank() - 2);
        int[] batch = Shapes.broadcast(aBatch, bBatch);
        int nb = Shapes.prod(batch, 0, batch.length);
        boolean aFull = Shapes.prod(aBatch, 0, aBatch.length) == nb, bFull = Shapes.prod(bBatch, 0, bBatch.length) == nb;
        boolean aOne = Shapes.prod(aBatch, 0, aBatch.length) == 1, bOne = Shapes.prod(bBatch, 0, bBatch.length) == 1;
        if (!(aFull || aOne) || !(bFull || bOne) || m == 0 || n == 0 || k == 0 || nb == 0) return cpu.matmul(a, b);
        int[] out = Arrays.copyOf(batch, batch.length + 2);
        out[batch.length] = m;
        out[batch.length + 1] = n;
        if (resident != null && Resident.gatherable(a.shape()) && Resident.gatherable(b.shape())) {
            return resident.matmul(a, b, nb, !(aFull && nb > 1), !(bFull && nb > 1), out);
        }
        // B as a transposed view of a contiguous [.., N, K] (K of attention scores) is read as is.
        Tensor bt = b.transpose(-1, -2);
        boolean transB = bt.isContiguous();
        float[] bData = transB ? bt.toFloatArray() : b.toFloatArray();
        int aStride = aFull && nb > 1 ? m * k : 0, bStride = bFull && nb > 1 ? k * n : 0;
        synchronized (lock) {
            int capA = capacity(a.numel()), capB = capacity(bData.length), capC = capacity(nb * m * n);
            Gemm p = gemmPlan(List.of("gemm", capA, capB, 64, capC), capA, capB, 64, capC, false, null, null);
            copyInTensor(a, p.a);
            copyIn(bData, p.b);
            return Tensor.of(runGemm(p, nb, m, n, k, transB, false, aStride, bStride), out);
        }
    }

    // ------------------------------------------------------------------ elementwise

    private record Binary(KernelPlan plan, FloatArray a, FloatArray b, FloatArray c, IntArray dims) {}

    private Tensor binary(Tensor a, Tensor b, int op) {
        int[] shape = Shapes.broadcast(a.shape(), b.shape());
        int n = Shapes.prod(shape, 0, shape.length);
        if (n > 0 && resident != null && Resident.gatherable(shape)) return resident.binary(a, b, op, shape);
        if (n == 0 || !trailingPart(a.shape(), shape) || !trailingPart(b.shape(), shape)) {
            return op == ElementwiseKernels.ADD ? cpu.add(a, b) : cpu.mul(a, b);
        }
        synchronized (lock) {
            int cap = capacity(n);
            Binary p = plans.get(List.of("binary", cap), Binary::plan, () -> {
                FloatArray fa = new FloatArray(cap), fb = new FloatArray(cap), fc = new FloatArray(cap);
                IntArray dims = new IntArray(4);
                TaskGraph g = new TaskGraph(KernelPlan.newGraphName("binary"))
                        .transferToDevice(DataTransferMode.EVERY_EXECUTION, fa, fb, dims)
                        .task("t", ElementwiseKernels::binary, new KernelContext(), fa, fb, fc, dims, 0)
                        .transferToHost(DataTransferMode.UNDER_DEMAND, fc);
                return new Binary(KernelPlan.of(g, 1, LOCAL_1D, 0, stats, new Object[] {fa, fb, dims}, new Object[0]), fa, fb, fc, dims);
            });
            copyInTensor(a, p.a);
            copyInTensor(b, p.b);
            setDims(p.dims, n, a.numel(), b.numel(), op);
            return Tensor.of(p.plan.run(n, 1, p.c, n), shape);
        }
    }

    /** True when {@code s} without leading 1s is a trailing part of {@code out}: then element i reads s at i mod numel(s). */
    static boolean trailingPart(int[] s, int[] out) {
        int from = 0;
        while (from < s.length && s[from] == 1) from++;
        int len = s.length - from;
        if (len > out.length) return false;
        for (int i = 0; i < len; i++) if (s[from + i] != out[out.length - len + i]) return false;
        return true;
    }

    @Override public Tensor add(Tensor a, Tensor b) { return binary(a, b, ElementwiseKernels.ADD); }
    @Override public Tensor mul(Tensor a, Tensor b) { return binary(a, b, ElementwiseKernels.MUL); }

    private record Unary(KernelPlan plan, FloatArray x, FloatArray params, FloatArray y, IntArray dims) {}

    private Tensor unary(Tensor x, int op, float s) {
        int n = x.numel();
        if (n == 0) return Tensor.zeros(x.shape());
        if (resident != null && Resident.gatherable(x.shape())) return resident.unary(x, op, s);
        synchronized (lock) {
            int cap = capacity(n);
            Unary p = plans.get(List.of("unary", cap), Unary::plan, () -> {
                FloatArray fx = new FloatArray(cap), params = new FloatArray(1), fy = new FloatArray(cap);
                IntArray dims = new IntArray(3);
                TaskGraph g = new TaskGraph(KernelPlan.newGraphName("unary"))
                        .transferToDevice(DataTransferMode.EVERY_EXECUTION, fx, params, dims)
                        .task("t", ElementwiseKernels::unary, new KernelContext(), fx, params, fy, dims, 0)
                        .transferToHost(DataTransferMode.UNDER_DEMAND, fy);
                return new Unary(KernelPlan.of(g, 1, LOCAL_1D, 0, stats, new Object[] {fx, params, dims}, new Object[0]), fx, params, fy, dims);
            });
            copyInTensor(x, p.x);
            p.params.set(0, s);
            setDims(p.dims, n, op, 0);
            return Tensor.of(p.plan.run(n, 1, p.y, n), x.shape());
        }
    }

    @Override public Tensor scale(Tensor x, float s) { return unary(x, ElementwiseKernels.SCALE, s); }
    @Override public Tensor relu(Tensor x) { return unary(x, ElementwiseKernels.RELU, 0); }
    @Override public Tensor gelu(Tensor x) { return unary(x, ElementwiseKernels.GELU, 0); }
    @Override public Tensor geluTanh(Tensor x) { return unary(x, ElementwiseKernels.GELU_TANH, 0); }
    @Override public Tensor silu(Tensor x) { return unary(x, ElementwiseKernels.SILU, 0); }

    // ------------------------------------------------------------------ normalization

    private record Rows(KernelPlan plan, FloatArray x, FloatArray bias, FloatArray y, IntArray dims) {}

    private Tensor softmaxRows(Tensor x, Tensor bias, int op) {
        int n = x.numel(), d = x.rank() == 0 ? 1 : x.dim(-1);
        if (resident != null && n > 0 && d > 0 && Resident.gatherable(x.shape())
                && (bias == null || Arrays.equals(Shapes.broadcast(x.shape(), bias.shape()), x.shape()))) {
            return resident.softmax(x, bias, op);
        }
        if (bias != null && (!Arrays.equals(Shapes.broadcast(x.shape(), bias.shape()), x.shape()) || !trailingPart(bias.shape(), x.shape()))) {
            return cpu.softmax(x, bias);
        }
        if (n == 0 || d == 0) return op == ElementwiseKernels.SOFTMAX ? cpu.softmax(x, bias) : cpu.logSoftmax(x);
        int rows = n / d;
        synchronized (lock) {
            int cap = capacity(n), capB = bias == null ? 64 : capacity(bias.numel());
            Rows p = plans.get(List.of("softmax", cap, capB), Rows::plan, () -> {
                FloatArray fx = new FloatArray(cap), fb = new FloatArray(capB), fy = new FloatArray(cap);
                IntArray dims = new IntArray(4);
                TaskGraph g = new TaskGraph(KernelPlan.newGraphName("softmax"))
                        .transferToDevice(DataTransferMode.EVERY_EXECUTION, fx, fb, dims)
                        .task("t", ElementwiseKernels::softmaxRows, new KernelContext(), fx, fb, fy, dims, 0)
                        .transferToHost(DataTransferMode.UNDER_DEMAND, fy);
                return new Rows(KernelPlan.of(g, 1, LOCAL_1D, 0, stats, new Object[] {fx, fb, dims}, new Object[0]), fx, fb, fy, dims);
            });
            copyInTensor(x, p.x);
            if (bias != null) copyInTensor(bias, p.bias);
            setDims(p.dims, rows, d, bias == null ? 0 : bias.numel(), op);
            return Tensor.of(p.plan.run(rows, 1, p.y, n), x.shape());
        }
    }

    @Override public Tensor softmax(Tensor x, Tensor bias) { return softmaxRows(x, bias, ElementwiseKernels.SOFTMAX); }
    @Override public Tensor logSoftmax(Tensor x) { return softmaxRows(x, null, ElementwiseKernels.LOG_SOFTMAX); }

    private record Norm(KernelPlan plan, FloatArray x, FloatArray gamma, FloatArray beta, FloatArray params, FloatArray y, IntArray dims) {}

    private Tensor norm(Tensor x, Tensor gamma, Tensor beta, float eps, int op) {
        int d = x.dim(-1), n = x.numel();
        Shapes.requireLastDim(gamma, d, op == ElementwiseKernels.LAYER_NORM ? "layerNorm gamma" : "rmsNorm gamma");
        if (beta != null) Shapes.requireLastDim(beta, d, "layerNorm beta");
        if (n == 0 || d == 0) return op == ElementwiseKernels.LAYER_NORM ? cpu.layerNorm(x, gamma, beta, eps) : cpu.rmsNorm(x, gamma, eps);
        if (resident != null && Resident.gatherable(x.shape())) return resident.norm(x, gamma, beta, eps, op);
        synchronized (lock) {
            int cap = capacity(n), capD = capacity(d);
            Norm p = plans.get(List.of("norm", cap, capD), Norm::plan, () -> {
                FloatArray fx = new FloatArray(cap), fg = new FloatArray(capD), fbeta = new FloatArray(capD), params = new FloatArray(1), fy = new FloatArray(cap);
                IntArray dims = new IntArray(5);
                TaskGraph g = new TaskGraph(KernelPlan.newGraphName("norm"))
                        .transferToDevice(DataTransferMode.EVERY_EXECUTION, fx, fg, fbeta, params, dims)
                        .task("t", ElementwiseKernels::normRows, new KernelContext(), fx, fg, fbeta, params, fy, dims, 0)
                        .transferToHost(DataTransferMode.UNDER_DEMAND, fy);
                return new Norm(KernelPlan.of(g, 1, LOCAL_1D, 0, stats, new Object[] {fx, fg, fbeta, params, dims}, new Object[0]), fx, fg, fbeta, params, fy, dims);
            });
            copyInTensor(x, p.x);
            copyInTensor(gamma, p.gamma);
            if (beta != null) copyInTensor(beta, p.beta);
            p.params.set(0, eps);
            setDims(p.dims, n / d, d, op, beta == null ? 0 : 1, 0);
            return Tensor.of(p.plan.run(n / d, 1, p.y, n), x.shape());
        }
    }

    @Override public Tensor layerNorm(Tensor x, Tensor g, Tensor b, float eps) { return norm(x, g, b, eps, ElementwiseKernels.LAYER_NORM); }
    @Override public Tensor rmsNorm(Tensor x, Tensor g, float eps) { return norm(x, g, null, eps, ElementwiseKernels.RMS_NORM); }

    // ------------------------------------------------------------------ on the CPU backend

    @Override public Tensor embedding(Tensor table, int[] ids) { return cpu.embedding(table, ids); }
    @Override public int[] argmax(Tensor x) { return cpu.argmax(x); }
    @Override public TopK topk(Tensor x, int k) { return cpu.topk(x, k); }
    @Override public CrossEntropy crossEntropy(Tensor l, int[] y, int ig) { return cpu.crossEntropy(l, y, ig); }
    @Override public Tensor concat(int dim, Tensor... parts) { return cpu.concat(dim, parts); }
    @Override public Tensor im2colPatches(Tensor images, int patch) { return cpu.im2colPatches(images, patch); }

    // ------------------------------------------------------------------ adapters

    private record LowRank(KernelPlan plan, FloatArray w, FloatArray b, FloatArray a, FloatArray params, FloatArray out, IntArray dims) {}

    @Override
    public Tensor addLowRank(Tensor w, float s, Tensor b, Tensor a) {
        int o = w.dim(0), in = w.dim(1), r = a.dim(0);
        if (b.dim(0) != o || b.dim(1) != r || a.dim(1) != in) {
            throw new IllegalArgumentException("addLowRank: W " + Arrays.toString(w.shape()) + ", B " + Arrays.toString(b.shape()) + ", A " + Arrays.toString(a.shape()));
        }
        if (o == 0 || in == 0) return cpu.addLowRank(w, s, b, a);
        synchronized (lock) {
            WeightKey wk = WeightKey.of(w);
            boolean persistent = plans.seenBefore(List.of("lowrank", wk));
            int capW = persistent ? o * in : capacity(o * in), capB = capacity(o * r), capA = capacity(r * in);
            Object key = persistent ? List.of("lowrank-w", wk, capB, capA) : List.of("lowrank", capW, capB, capA);
            LowRank p = plans.get(key, LowRank::plan, () -> {
                FloatArray fw = new FloatArray(capW), fb = new FloatArray(capB), fa = new FloatArray(capA), params = new FloatArray(1), fo = new FloatArray(capW);
                IntArray dims = new IntArray(3);
                TaskGraph g = new TaskGraph(KernelPlan.newGraphName("lowrank"));
                if (persistent) {
                    copyIn(w.toFloatArray(), fw);
                    g.transferToDevice(DataTransferMode.FIRST_EXECUTION, fw);
                    g.transferToDevice(DataTransferMode.EVERY_EXECUTION, fb, fa, params, dims);
                } else {
                    g.transferToDevice(DataTransferMode.EVERY_EXECUTION, fw, fb, fa, params, dims);
                }
                g.task("t", GemmKernels::addLowRank, new KernelContext(), fw, fb, fa, params, fo, dims);
                g.transferToHost(DataTransferMode.UNDER_DEMAND, fo);
                Object[] every = persistent ? new Object[] {fb, fa, params, dims} : new Object[] {fw, fb, fa, params, dims};
                return new LowRank(KernelPlan.of(g, 2, T, T, stats, every, persistent ? new Object[] {fw} : new Object[0]), fw, fb, fa, params, fo, dims);
            });
            if (!persistent) copyInTensor(w, p.w);
            copyInTensor(b, p.b);
            copyInTensor(a, p.a);
            p.params.set(0, s);
            setDims(p.dims, o, in, r);
            return Tensor.of(p.plan.run(in, o, p.out, o * in), o, in);
        }
    }

    private record WSum(KernelPlan plan, FloatArray stack, FloatArray w, FloatArray out, IntArray dims) {}

    @Override
    public Tensor weightedSum(float[] weights, Tensor... parts) {
        if (parts.length == 0 || weights.length != parts.length) {
            throw new IllegalArgumentException("weightedSum: " + weights.length + " weights for " + parts.length + " tensors");
        }
        int[] shape = parts[0].shape();
        for (int i = 1; i < parts.length; i++) {
            if (!Arrays.equals(parts[i].shape(), shape)) {
                throw new IllegalArgumentException("weightedSum: tensor " + i + " has shape " + Arrays.toString(parts[i].shape()) + ", expected " + Arrays.toString(shape));
            }
        }
        int size = parts[0].numel(), count = parts.length;
        if (size == 0) return Tensor.zeros(shape);
        synchronized (lock) {
            Object[] keys = new Object[count + 1];
            keys[0] = "wsum";
            for (int i = 0; i < count; i++) keys[i + 1] = WeightKey.of(parts[i]);
            List<Object> stackKey = List.of(keys);
            boolean persistent = plans.seenBefore(stackKey);
            int capS = persistent ? size * count : capacity(size * count), capW = capacity(count), capO = capacity(size);
            Object key = persistent ? List.of("wsum-stack", stackKey) : List.of("wsum", capS, capW, capO);
            WSum p = plans.get(key, WSum::plan, () -> {
                FloatArray st = new FloatArray(capS), fw = new FloatArray(capW), fo = new FloatArray(capO);
                IntArray dims = new IntArray(2);
                TaskGraph g = new TaskGraph(KernelPlan.newGraphName("wsum"));
                if (persistent) {
                    fillStack(st, parts, size);
                    g.transferToDevice(DataTransferMode.FIRST_EXECUTION, st);
                    g.transferToDevice(DataTransferMode.EVERY_EXECUTION, fw, dims);
                } else {
                    g.transferToDevice(DataTransferMode.EVERY_EXECUTION, st, fw, dims);
                }
                g.task("t", AdapterKernels::weightedSum, new KernelContext(), st, fw, fo, dims);
                g.transferToHost(DataTransferMode.UNDER_DEMAND, fo);
                Object[] every = persistent ? new Object[] {fw, dims} : new Object[] {st, fw, dims};
                return new WSum(KernelPlan.of(g, 1, LOCAL_1D, 0, stats, every, persistent ? new Object[] {st} : new Object[0]), st, fw, fo, dims);
            });
            if (!persistent) fillStack(p.stack, parts, size);
            copyIn(weights, p.w);
            setDims(p.dims, count, size);
            return Tensor.of(p.plan.run(size, 1, p.out, size), shape);
        }
    }

    private static void fillStack(FloatArray stack, Tensor[] parts, int size) {
        for (int i = 0; i < parts.length; i++) {
            float[] v = parts[i].toFloatArray();
            java.lang.foreign.MemorySegment.copy(v, 0, stack.getSegment(), java.lang.foreign.ValueLayout.JAVA_FLOAT, (long) i * size * 4, size);
        }
    }

    private record Glora(KernelPlan plan, FloatArray w0, FloatArray a, FloatArray b, FloatArray out, IntArray dims) {}

    @Override
    public Tensor gloraWeight(Tensor w0, Tensor a, Tensor b) {
        if (w0.rank() != 2) throw new IllegalArgumentException("gloraWeight: W0 must be [O, I], got " + Arrays.toString(w0.shape()));
        int o = w0.dim(0), in = w0.dim(1);
        int[] target = {o, in};
        for (Tensor t : new Tensor[] {a, b}) {
            if (t != null && !Arrays.equals(Shapes.broadcast(target, t.shape()), target)) {
                throw new IllegalArgumentException("gloraWeight: " + Arrays.toString(t.shape()) + " does not broadcast to W0 " + Arrays.toString(target));
            }
        }
        if (o == 0 || in == 0) return Backend.super.gloraWeight(w0, a, b);
        float[] av = a == null ? new float[1] : a.toFloatArray(), bv = b == null ? new float[1] : b.toFloatArray();
        long[] as = a == null ? new long[2] : Shapes.broadcastStrides(Tensor.of(av, a.shape()), target);
        long[] bs = b == null ? new long[2] : Shapes.broadcastStrides(Tensor.of(bv, b.shape()), target);
        synchronized (lock) {
            WeightKey wk = WeightKey.of(w0);
            boolean persistent = plans.seenBefore(List.of("glora", wk));
            int capW = persistent ? o * in : capacity(o * in), capA = capacity(av.length), capB = capacity(bv.length);
            Object key = persistent ? List.of("glora-w", wk, capA, capB) : List.of("glora", capW, capA, capB);
            Glora p = plans.get(key, Glora::plan, () -> {
                FloatArray fw = new FloatArray(capW), fa = new FloatArray(capA), fb = new FloatArray(capB), fo = new FloatArray(capW);
                IntArray dims = new IntArray(8);
                TaskGraph g = new TaskGraph(KernelPlan.newGraphName("glora"));
                if (persistent) {
                    copyIn(w0.toFloatArray(), fw);
                    g.transferToDevice(DataTransferMode.FIRST_EXECUTION, fw);
                    g.transferToDevice(DataTransferMode.EVERY_EXECUTION, fa, fb, dims);
                } else {
                    g.transferToDevice(DataTransferMode.EVERY_EXECUTION, fw, fa, fb, dims);
                }
                g.task("t", AdapterKernels::gloraWeight, new KernelContext(), fw, fa, fb, fo, dims);
                g.transferToHost(DataTransferMode.UNDER_DEMAND, fo);
                Object[] every = persistent ? new Object[] {fa, fb, dims} : new Object[] {fw, fa, fb, dims};
                return new Glora(KernelPlan.of(g, 2, T, T, stats, every, persistent ? new Object[] {fw} : new Object[0]), fw, fa, fb, fo, dims);
            });
            if (!persistent) copyInTensor(w0, p.w0);
            copyIn(av, p.a);
            copyIn(bv, p.b);
            setDims(p.dims, o, in, a == null ? 0 : 1, (int) as[0], (int) as[1], b == null ? 0 : 1, (int) bs[0], (int) bs[1]);
            return Tensor.of(p.plan.run(in, o, p.out, o * in), o, in);
        }
    }

    // ------------------------------------------------------------------ helpers

    /** Copies a tensor's elements (row-major, converted to F32) into the start of a buffer. */
    private static void copyInTensor(Tensor t, FloatArray dst) {
        if (t.isHeapF32() && t.isContiguous()) copyIn(t.array(), (int) t.offset(), t.numel(), dst);
        else copyIn(t.toFloatArray(), dst);
    }
}
