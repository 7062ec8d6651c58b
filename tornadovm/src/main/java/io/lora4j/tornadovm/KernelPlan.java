package io.lora4j.tornadovm;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import uk.ac.manchester.tornado.api.DataRange;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.TornadoExecutionResult;
import uk.ac.manchester.tornado.api.WorkerGrid;
import uk.ac.manchester.tornado.api.WorkerGrid1D;
import uk.ac.manchester.tornado.api.WorkerGrid2D;
import uk.ac.manchester.tornado.api.exceptions.TornadoExecutionPlanException;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * One compiled TornadoVM task graph (a single kernel task "t") with its device buffers. The
 * graph is built once; buffers marked FIRST_EXECUTION (weights) are uploaded on the first run and
 * stay on the device, per-call buffers (inputs, sizes) are uploaded and the result downloaded on
 * every run. The grid is resized per call, so one plan serves any size up to its buffers' capacity.
 * Not thread-safe: {@link TornadoVmBackend} serializes device work.
 */
final class KernelPlan implements AutoCloseable {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT;
    private static long counter;

    private final TornadoExecutionPlan plan;
    private final WorkerGrid grid;
    private final int localX, localY;
    private final TransferStats stats;
    private final long everyRunBytes;
    private long firstRunBytes;

    private KernelPlan(TornadoExecutionPlan plan, WorkerGrid grid, int localX, int localY, TransferStats stats, long everyRunBytes, long firstRunBytes) {
        this.plan = plan;
        this.grid = grid;
        this.localX = localX;
        this.localY = localY;
        this.stats = stats;
        this.everyRunBytes = everyRunBytes;
        this.firstRunBytes = firstRunBytes;
    }

    /** A unique task-graph name (TornadoVM keys grids and code by it). */
    static synchronized String newGraphName(String kind) {
        return "lora4j_" + kind + "_" + (counter++);
    }

    /**
     * Wraps a graph whose single task is named "t"; local = 0 lets the driver pick the work-group.
     * {@code everyRun} / {@code firstRun}: the buffers the graph uploads on every / on the first
     * execution, counted in {@code stats} (with the downloads) as host↔device bytes.
     */
    static KernelPlan of(TaskGraph graph, int dims, int localX, int localY, TransferStats stats, Object[] everyRun, Object[] firstRun) {
        WorkerGrid grid = dims == 1 ? new WorkerGrid1D(Math.max(localX, 1)) : new WorkerGrid2D(Math.max(localX, 1), Math.max(localY, 1));
        GridScheduler scheduler = new GridScheduler(graph.getTaskGraphName() + ".t", grid);
        TornadoExecutionPlan plan = new TornadoExecutionPlan(graph.snapshot());
        plan.withGridScheduler(scheduler);
        stats.planBuilt();
        return new KernelPlan(plan, grid, localX, localY, stats, bytes(everyRun), bytes(firstRun));
    }

    /** Bytes of TornadoVM arrays (FloatArray, IntArray). */
    static long bytes(Object... arrays) {
        long b = 0;
        for (Object o : arrays) {
            if (o instanceof FloatArray f) b += 4L * f.getSize();
            else if (o instanceof IntArray i) b += 4L * i.getSize();
        }
        return b;
    }

    /**
     * Runs on a global grid of at least (x, y), rounded up to whole work-groups, and copies the first
     * {@code n} elements of the result buffer {@code out} (declared UNDER_DEMAND) back to the host:
     * only the used part of a capacity-sized buffer crosses.
     */
    float[] run(long x, long y, FloatArray out, int n) {
        long gx = roundUp(Math.max(x, 1), localX), gy = roundUp(Math.max(y, 1), localY);
        grid.setGlobalWork(gx, gy, 1);
        if (localX > 0) grid.setLocalWork(localX, Math.max(localY, 1), 1);
        else grid.setLocalWorkToNull();
        TornadoExecutionResult r = plan.execute();
        stats.executed(everyRunBytes + firstRunBytes);
        firstRunBytes = 0;
        r.transferToHost(new DataRange(out).withSize(n));
        stats.downloaded(4L * n);
        return copyOut(out, n);
    }

    private static long roundUp(long v, int m) {
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

    // ---------------------------------------------------------------- host <-> buffer copies

    /** Buffer capacity for n elements: the next power of two ≥ max(n, 64), so few plans serve many sizes. */
    static int capacity(int n) {
        int c = 64;
        while (c < n) c <<= 1;
        return c;
    }

    static void copyIn(float[] src, int srcOffset, int n, FloatArray dst) {
        MemorySegment.copy(src, srcOffset, dst.getSegment(), F32, 0, n);
    }

    static void copyIn(float[] src, FloatArray dst) {
        copyIn(src, 0, src.length, dst);
    }

    static float[] copyOut(FloatArray src, int n) {
        float[] out = new float[n];
        MemorySegment.copy(src.getSegment(), F32, 0, out, 0, n);
        return out;
    }

    static void setDims(IntArray dims, int... v) {
        for (int i = 0; i < v.length; i++) dims.set(i, v[i]);
    }
}
