package io.lora4j.tornadovm;

import static io.lora4j.tornadovm.KernelPlan.copyIn;
import static io.lora4j.tornadovm.KernelPlan.copyOut;

import java.util.ArrayList;
import java.util.List;
import uk.ac.manchester.tornado.api.DataRange;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.TornadoExecutionResult;
import uk.ac.manchester.tornado.api.WorkerGrid;
import uk.ac.manchester.tornado.api.WorkerGrid1D;
import uk.ac.manchester.tornado.api.WorkerGrid2D;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.exceptions.TornadoExecutionPlanException;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * A compiled trace: one TornadoVM TaskGraph with one task per recorded node. Node outputs are device
 * buffers that later tasks of the same graph read in place (TornadoVM keeps them on the device between
 * tasks) and that stay there after the run (persistOnDevice); a host read downloads only the one it
 * needs. Host inputs and the ops' sizes (one packed int buffer) are uploaded on every run, weights on the first.
 * Not thread-safe: {@link Resident} serializes device work.
 */
final class TracePlan implements AutoCloseable {
    private static final int LOCAL_1D = 64;

    private final TornadoExecutionPlan plan;
    private final FloatArray[] out, ext;
    /** Every op's sizes, packed (op i's at {@code at[i]}), and every op's float parameter (op i's at i). */
    private final IntArray dims;
    private final FloatArray params;
    private final int[] at;
    private final WorkerGrid[] grids;
    private final int[] localX, localY;
    private final TransferStats stats;
    private final long everyRunBytes;
    private long firstRunBytes;
    private TornadoExecutionResult result;
    /** The call whose results the buffers hold now. */
    Trace.Spec current;

    TracePlan(Trace.Spec s, TransferStats stats) {
        this.stats = stats;
        List<Trace.Node> nodes = s.nodes();
        int n = nodes.size();
        out = new FloatArray[n];
        at = new int[n];
        int dimsLen = 0;
        for (int i = 0; i < n; i++) {
            at[i] = dimsLen;
            dimsLen += nodes.get(i).dims().length;
        }
        dims = new IntArray(Math.max(dimsLen, 1));
        params = new FloatArray(Math.max(n, 1));
        grids = new WorkerGrid[n];
        localX = new int[n];
        localY = new int[n];
        ext = new FloatArray[s.extCaps().length];
        for (int j = 0; j < ext.length; j++) ext[j] = new FloatArray(s.extCaps()[j]);
        FloatArray[] w = new FloatArray[s.weights().size()];
        for (int j = 0; j < w.length; j++) {
            float[] v = s.weights().get(j).toFloatArray();
            w[j] = new FloatArray(Math.max(v.length, 1));
            copyIn(v, w[j]);
        }
        FloatArray dummy = new FloatArray(1);
        boolean usesDummy = false;
        TaskGraph g = new TaskGraph(KernelPlan.newGraphName("trace"));
        List<Object> every = new ArrayList<>(List.of(ext));
        every.add(dims);
        every.add(params);
        for (int i = 0; i < n; i++) {
            Trace.Node node = nodes.get(i);
            out[i] = new FloatArray(node.outCap());
            for (int r : node.in()) usesDummy |= r == Trace.NONE;
        }
        List<Object> first = new ArrayList<>(List.of(w));
        if (usesDummy) first.add(dummy);
        if (!first.isEmpty()) g.transferToDevice(DataTransferMode.FIRST_EXECUTION, first.toArray());
        if (!every.isEmpty()) g.transferToDevice(DataTransferMode.EVERY_EXECUTION, every.toArray());
        GridScheduler scheduler = new GridScheduler();
        KernelContext ctx = new KernelContext(); // one for all tasks, as TornadoVM's own combined-graph tests do
        for (int i = 0; i < n; i++) {
            Trace.Node node = nodes.get(i);
            String t = "t" + i;
            int[] in = node.in();
            FloatArray a = buf(in.length > 0 ? in[0] : Trace.NONE, w, dummy), b = buf(in.length > 1 ? in[1] : Trace.NONE, w, dummy),
                    c = buf(in.length > 2 ? in[2] : Trace.NONE, w, dummy);
            switch (node.kind()) {
                case GEMM_DIRECT -> g.task(t, GemmKernels::directGemm, ctx, a, b, c, out[i], dims, at[i]);
                case GEMM_TILED -> g.task(t, GemmKernels::tiledGemm, ctx, a, b, c, out[i], dims, at[i]);
                case BINARY -> g.task(t, ElementwiseKernels::binary, ctx, a, b, out[i], dims, at[i]);
                case UNARY -> g.task(t, ElementwiseKernels::unary, ctx, a, params, out[i], dims, at[i]);
                case SOFTMAX -> g.task(t, ElementwiseKernels::softmaxRows, ctx, a, b, out[i], dims, at[i]);
                case NORM -> g.task(t, ElementwiseKernels::normRows, ctx, a, b, c, params, out[i], dims, at[i]);
                case GATHER -> g.task(t, ElementwiseKernels::gather, ctx, a, out[i], dims, at[i]);
            }
            boolean twoD = node.kind() == Trace.Kind.GEMM_DIRECT || node.kind() == Trace.Kind.GEMM_TILED;
            localX[i] = node.kind() == Trace.Kind.GEMM_TILED ? GemmKernels.TILE : twoD ? 32 : LOCAL_1D;
            localY[i] = node.kind() == Trace.Kind.GEMM_TILED ? GemmKernels.TILE : 1;
            grids[i] = twoD ? new WorkerGrid2D(localX[i], localY[i]) : new WorkerGrid1D(localX[i]);
            scheduler.addWorkerGrid(g.getTaskGraphName() + "." + t, grids[i]);
        }
        g.persistOnDevice((Object[]) out);
        plan = new TornadoExecutionPlan(g.snapshot());
        plan.withGridScheduler(scheduler);
        everyRunBytes = KernelPlan.bytes(every.toArray());
        firstRunBytes = KernelPlan.bytes(first.toArray());
        stats.planBuilt();
    }

    private FloatArray buf(int ref, FloatArray[] w, FloatArray dummy) {
        if (ref == Trace.NONE) return dummy;
        if (ref >= Trace.WEIGHT) return w[ref - Trace.WEIGHT];
        if (ref >= Trace.EXT) return ext[ref - Trace.EXT];
        return out[ref];
    }

    /** Uploads the call's host inputs and sizes and runs every task; the results stay on the device. */
    void run(Trace.Spec s) {
        for (int j = 0; j < ext.length; j++) copyIn(s.ext().get(j), ext[j]);
        List<Trace.Node> nodes = s.nodes();
        for (int i = 0; i < nodes.size(); i++) {
            Trace.Node node = nodes.get(i);
            int[] d = node.dims();
            for (int j = 0; j < d.length; j++) dims.set(at[i] + j, d[j]);
            params.set(i, node.param());
            grids[i].setGlobalWork(roundUp(node.gx(), localX[i]), roundUp(node.gy(), localY[i]), 1);
            grids[i].setLocalWork(localX[i], localY[i], 1);
        }
        result = plan.execute();
        stats.executed(everyRunBytes + firstRunBytes);
        firstRunBytes = 0;
        current = s;
    }

    /** The first {@code n} elements of node {@code i}'s output, read from the device. */
    float[] download(int i, int n) {
        result.transferToHost(new DataRange(out[i]).withSize(n));
        stats.downloaded(4L * n);
        return copyOut(out[i], n);
    }

    private static long roundUp(long v, int m) {
        v = Math.max(v, 1);
        return m <= 1 ? v : (v + m - 1) / m * m;
    }

    @Override
    public void close() {
        try {
            plan.freeDeviceMemory();
            plan.close();
        } catch (TornadoExecutionPlanException e) {
            throw new IllegalStateException("TornadoVM failed to release a plan", e);
        }
    }
}
