package io.lora4j.tornadovm;

import static io.lora4j.tornadovm.KernelPlan.capacity;

import io.lora4j.engine.Shapes;
import io.lora4j.engine.Tensor;
import java.util.List;

/**
 * Device-resident activations: linear, matmul, elementwise, softmax and norm ops are recorded, not run,
 * and return tensors over {@link DeviceTensor} data. An op reading such a tensor reads its device buffer
 * (views are re-laid out by a device gather, not on the host), so a chain of ops — a transformer block,
 * a whole encoder — never copies its intermediate activations to the host. The recorded ops run as one
 * TaskGraph ({@link TracePlan}) when the host first reads one of their results, or earlier when the
 * trace reaches {@code maxNodes} ops or would overflow TornadoVM's graph table ({@link Trace#GRAPH_BUDGET});
 * compiled plans are cached by the trace's structure.
 *
 * <p>What crosses: host inputs (embeddings, masks, a KV cache kept on the host) once per trace, weights
 * once per plan, a few ints of sizes per op, and the results the host reads. Validation and the CPU
 * fallbacks stay in {@link TornadoVmBackend}.
 */
final class Resident {
    private final Object lock;
    private final PlanCache plans;
    private final TransferStats stats;
    private final boolean tiled;
    private final int maxNodes;
    private Trace trace = new Trace();
    /** The trace the op being recorded started in: resolving its inputs must not flush it. */
    private Trace opTrace;

    Resident(Object lock, PlanCache plans, TransferStats stats, boolean tiled, int maxNodes) {
        this.lock = lock;
        this.plans = plans;
        this.stats = stats;
        this.tiled = tiled;
        this.maxNodes = Math.max(maxNodes, 16);
    }

    // ------------------------------------------------------------------ ops (arguments validated by the caller)

    Tensor linear(Tensor x, Tensor w, Tensor bias) {
        int n = w.dim(0), k = w.dim(1), m = x.numel() / k;
        int[] shape = x.shape();
        shape[shape.length - 1] = n;
        synchronized (lock) {
            begin();
            int a = input(x), b = weight(w), bs = bias == null ? Trace.NONE : weight(bias);
            return gemm(a, b, bs, 1, m, n, k, true, bias != null, 0, 0, shape);
        }
    }

    /** a [.., M, K]·b [.., K, N] with batch dims equal, or 1 on one side (aStride/bStride 0 then). */
    Tensor matmul(Tensor a, Tensor b, int nb, boolean aShared, boolean bShared, int[] outShape) {
        int m = a.dim(-2), k = a.dim(-1), n = b.dim(-1);
        synchronized (lock) {
            begin();
            int ra = input(a);
            // B read as [.., N, K] rows when that view is in order (a transposed key matrix), else as [.., K, N]
            Tensor bt = b.transpose(-1, -2);
            boolean transB = inOrder(bt) || (!inOrder(b) && pending(b) == null && bt.isContiguous());
            int rb = input(transB ? bt : b);
            return gemm(ra, rb, Trace.NONE, nb, m, n, k, transB, false, aShared ? 0 : m * k, bShared ? 0 : k * n, outShape);
        }
    }

    Tensor binary(Tensor a, Tensor b, int op, int[] shape) {
        int n = Shapes.prod(shape, 0, shape.length);
        synchronized (lock) {
            begin();
            boolean at = TornadoVmBackend.trailingPart(a.shape(), shape), bt = TornadoVmBackend.trailingPart(b.shape(), shape);
            int ra = at ? input(a) : broadcastInput(a, shape), rb = bt ? input(b) : broadcastInput(b, shape);
            int[] dims = {n, at ? a.numel() : n, bt ? b.numel() : n, op};
            return emit(Trace.Kind.BINARY, new int[] {ra, rb}, n, dims, 0, n, 1, shape);
        }
    }

    Tensor unary(Tensor x, int op, float s) {
        int n = x.numel();
        synchronized (lock) {
            begin();
            int rx = input(x);
            return emit(Trace.Kind.UNARY, new int[] {rx}, n, new int[] {n, op, trace.size()}, s, n, 1, x.shape());
        }
    }

    /** (log-)softmax of the rows of x + bias; bias null or broadcasting to x. */
    Tensor softmax(Tensor x, Tensor bias, int op) {
        int n = x.numel(), d = x.dim(-1), rows = n / d;
        synchronized (lock) {
            begin();
            int rx = input(x), rb = Trace.NONE, nb = 0;
            if (bias != null) {
                boolean trailing = TornadoVmBackend.trailingPart(bias.shape(), x.shape());
                rb = trailing ? input(bias) : broadcastInput(bias, x.shape());
                nb = trailing ? bias.numel() : n;
            }
            return emit(Trace.Kind.SOFTMAX, new int[] {rx, rb}, n, new int[] {rows, d, nb, op}, 0, rows, 1, x.shape());
        }
    }

    Tensor norm(Tensor x, Tensor gamma, Tensor beta, float eps, int op) {
        int d = x.dim(-1), n = x.numel();
        synchronized (lock) {
            begin();
            int rx = input(x), rg = weight(gamma), rb = beta == null ? Trace.NONE : weight(beta);
            // the last size is where the op's parameter (eps) sits in the trace's parameter buffer: its own index
            return emit(Trace.Kind.NORM, new int[] {rx, rg, rb}, n, new int[] {n / d, d, op, beta == null ? 0 : 1, trace.size()}, eps, n / d, 1, x.shape());
        }
    }

    /** True for broadcasts the device gather can lay out (rank ≤ its maximum). */
    static boolean gatherable(int[] shape) {
        return shape.length <= ElementwiseKernels.MAX_RANK;
    }

    private Tensor gemm(int a, int b, int bias, int batch, int m, int n, int k, boolean transB, boolean hasBias, int aStride, int bStride, int[] shape) {
        int tb = transB ? 1 : 0, hb = hasBias ? 1 : 0;
        if (tiled) {
            int tilesM = (m + GemmKernels.TILE - 1) / GemmKernels.TILE;
            int[] dims = {m, n, k, tb, hb, tilesM, aStride, bStride};
            return emit(Trace.Kind.GEMM_TILED, new int[] {a, b, bias}, batch * m * n, dims, 0, n, (long) tilesM * GemmKernels.TILE * batch, shape);
        }
        int[] dims = {m, n, k, tb, hb, batch, aStride, bStride};
        return emit(Trace.Kind.GEMM_DIRECT, new int[] {a, b, bias}, batch * m * n, dims, 0, n, (long) m * batch, shape);
    }

    // ------------------------------------------------------------------ inputs

    /**
     * Starts an op: a trace at its size limit (maxNodes ops, or TornadoVM's graph table nearly full: room for
     * an op with two gathers and three new inputs) is run first; its results then cross to later ops as host inputs.
     */
    private void begin() {
        if (trace.size() >= maxNodes || trace.graphNodes() + 3 * Trace.NODES_PER_OP + 3 * Trace.NODES_PER_INPUT > Trace.GRAPH_BUDGET) flush();
        opTrace = trace;
    }

    private void checkSameTrace() {
        if (trace != opTrace) throw new IllegalStateException("a device trace was flushed while an op was recording its inputs");
    }

    /** t's data if it is a pending result of this backend's current trace, else null. */
    private DeviceTensor pending(Tensor t) {
        return t.deviceData() instanceof DeviceTensor d && d.owner == this && d.pending() ? d : null;
    }

    /** True if t is a pending device result that covers its buffer in row-major order. */
    private boolean inOrder(Tensor t) {
        DeviceTensor d = pending(t);
        return d != null && t.offset() == 0 && t.isContiguous() && t.numel() == d.size();
    }

    /** A reference to t's elements in row-major order: its pending buffer, a device gather of it, or a host snapshot. */
    private int input(Tensor t) {
        DeviceTensor d = pending(t);
        if (d != null) {
            if (t.offset() == 0 && t.isContiguous() && t.numel() == d.size()) return d.node;
            if (gatherable(t.shape())) return gather(d.node, t.offset(), t.shape(), strides(t), null);
        }
        return trace.ext(WeightKey.of(t), t::toFloatArray);
    }

    /** A reference to t broadcast to {@code shape} (numpy rules), laid out in full by a device gather. */
    private int broadcastInput(Tensor t, int[] shape) {
        DeviceTensor d = pending(t);
        if (d != null) return gather(d.node, t.offset(), shape, Shapes.broadcastStrides(t, shape), null);
        int e = trace.ext(WeightKey.of(t), t::toFloatArray);
        Tensor compact = Tensor.of(trace.extData(e), t.shape());
        return gather(e, 0, shape, Shapes.broadcastStrides(compact, shape), null);
    }

    /**
     * A weight: uploaded once and resident in the plan from its second use on (seen once, it travels as a
     * host input, so one-off tensors — a per-call LoRAHub composition — do not each compile a plan).
     */
    private int weight(Tensor w) {
        if (pending(w) != null || w.isOnDevice()) return input(w);
        WeightKey key = WeightKey.of(w);
        if (!plans.seenBefore(List.of("resident-weight", key))) return trace.ext(key, w::toFloatArray);
        return trace.weight(key, w);
    }

    private int gather(int src, long offset, int[] shape, long[] strides, DeviceTensor[] visible) {
        int r = shape.length, n = Shapes.prod(shape, 0, r);
        int[] dims = new int[ElementwiseKernels.GATHER_DIMS];
        dims[0] = n;
        dims[1] = r;
        dims[2] = Math.toIntExact(offset);
        for (int i = 0; i < r; i++) {
            dims[3 + i] = shape[i];
            dims[3 + ElementwiseKernels.MAX_RANK + i] = Math.toIntExact(strides[i]);
        }
        Trace.Node node = new Trace.Node(Trace.Kind.GATHER, new int[] {src}, n, capacity(n), dims, 0, n, 1);
        DeviceTensor out = visible == null ? null : new DeviceTensor(this, n, trace.size());
        if (visible != null) visible[0] = out;
        return trace.add(node, out);
    }

    private static long[] strides(Tensor t) {
        long[] s = new long[t.rank()];
        for (int i = 0; i < s.length; i++) s[i] = t.stride(i);
        return s;
    }

    private Tensor emit(Trace.Kind kind, int[] in, int outSize, int[] dims, float param, long gx, long gy, int[] shape) {
        checkSameTrace();
        DeviceTensor out = new DeviceTensor(this, outSize, trace.size());
        trace.add(new Trace.Node(kind, in, outSize, capacity(outSize), dims, param, gx, gy), out);
        return Tensor.onDevice(out, shape);
    }

    // ------------------------------------------------------------------ running and reading

    /** Runs the recorded ops (one TaskGraph, compiled once per structure); their results stay on the device. */
    void flush() {
        synchronized (lock) {
            if (trace.size() == 0) return;
            Trace done = trace;
            trace = new Trace();
            Trace.Spec spec = done.seal();
            for (DeviceTensor d : done.outs) if (d != null) d.spec = spec;
            plan(spec).run(spec);
        }
    }

    private TracePlan plan(Trace.Spec spec) {
        return plans.get(spec.key(), p -> p, () -> new TracePlan(spec, stats));
    }

    /** The host read of a device result: flush if pending, re-run its trace if the plan has run another call since, download. */
    float[] hostArray(DeviceTensor d) {
        synchronized (lock) {
            if (d.host != null) return d.host;
            if (d.pending()) flush();
            TracePlan p = plan(d.spec);
            if (p.current != d.spec) p.run(d.spec);
            d.host = p.download(d.node, d.size());
            return d.host;
        }
    }

    /** A device gather of {@code view} when its data is still pending, else null (then the host copies). */
    Tensor contiguousOnDevice(DeviceTensor d, Tensor view) {
        synchronized (lock) {
            if (!d.pending() || !gatherable(view.shape()) || view.numel() == 0) return null;
            if (trace.graphNodes() + Trace.NODES_PER_OP > Trace.GRAPH_BUDGET) return null; // TornadoVM's graph table is full
            opTrace = trace;
            DeviceTensor[] out = new DeviceTensor[1];
            gather(d.node, view.offset(), view.shape(), strides(view), out);
            return Tensor.onDevice(out[0], view.shape());
        }
    }

    void clear() {
        synchronized (lock) {
            trace = new Trace();
        }
    }

    /** Ops recorded and not yet run. */
    int pendingOps() {
        synchronized (lock) {
            return trace.size();
        }
    }
}
