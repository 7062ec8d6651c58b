package io.lora4j.engine.cpu;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * The worker pool of one {@code CpuBackend}: {@code threads - 1} daemon workers plus the calling
 * thread. {@link #forEach} hands out task indices dynamically (cores are shared, so static splits
 * would wait on the slowest core). The caller always works too, so nested or concurrent calls
 * cannot deadlock: a nested call, or one made while another caller holds the workers, runs on its
 * caller alone. After {@link #close()} every call runs on the caller alone (JUnit, for one, closes
 * AutoCloseable test arguments it is handed).
 *
 * <p>Hand-off: a call publishes one job in a volatile field; workers spin on it for
 * {@link #WORKER_SPIN_NANOS} after their last job before they park, so back-to-back calls (a
 * decoder step is hundreds of ~50 µs GEMVs and small ops) reach a running worker without a
 * park/unpark round trip, which costs tens of µs (and more on busy cores). The caller waits for
 * the last task the same way: spin, then park until the worker that finishes it unparks it.
 */
public final class Parallel implements AutoCloseable {
    /** A loop body over task indices. */
    @FunctionalInterface
    public interface Body {
        void run(int task);
    }

    /** A loop body over a range [from, to). */
    @FunctionalInterface
    public interface RangeBody {
        void run(int from, int to);
    }

    private static final AtomicInteger POOL_IDS = new AtomicInteger();
    /** How long the caller spins for helpers to finish before parking. */
    private static final long CALLER_SPIN_NANOS = 200_000;
    /** How long an idle worker watches for the next job before parking. */
    static final long WORKER_SPIN_NANOS = 200_000;

    private final int threads;
    private final Worker[] workers; // empty when threads == 1
    private final AtomicBoolean busy = new AtomicBoolean();
    private volatile Job job; // the running call's job, null between calls
    private long generation;  // guarded by busy
    private volatile boolean closed;
    /**
     * {@link SkinnyGemm}'s scratch, reused by this pool's later calls: the packed X of a call (one per concurrent
     * caller) and the accumulators of a task (one per thread at work).
     */
    final ScratchPool<SkinnyGemm.Scratch> skinnyCalls, skinnyTasks;

    public Parallel(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be ≥ 1, got " + threads);
        this.threads = threads;
        skinnyCalls = new ScratchPool<>(SkinnyGemm.Scratch::new, 2);
        skinnyTasks = new ScratchPool<>(SkinnyGemm.Scratch::new, threads + 1);
        int id = POOL_IDS.incrementAndGet();
        workers = new Worker[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker("lora4j-cpu-" + id + "-" + (i + 1));
            workers[i].start();
        }
    }

    public int threads() {
        return threads;
    }

    /** One forEach call: task indices handed out from {@code next}, completions counted in {@code done}. */
    private static final class Job {
        final long gen;
        final int tasks;
        final Body body;
        final Thread caller;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger done = new AtomicInteger();
        final AtomicReference<Throwable> error = new AtomicReference<>();
        volatile boolean callerParked;

        Job(long gen, int tasks, Body body, Thread caller) {
            this.gen = gen;
            this.tasks = tasks;
            this.body = body;
            this.caller = caller;
        }

        void drain() {
            for (int i; (i = next.getAndIncrement()) < tasks; ) {
                try {
                    if (error.get() == null) body.run(i);
                } catch (Throwable t) {
                    if (!error.compareAndSet(null, t)) error.get().addSuppressed(t);
                } finally {
                    if (done.incrementAndGet() == tasks && callerParked) LockSupport.unpark(caller);
                }
            }
        }
    }

    private final class Worker extends Thread {
        volatile boolean parked;

        Worker(String name) {
            super(name);
            setDaemon(true);
        }

        @Override
        public void run() {
            long last = 0; // generation of the last job drained (holding no reference to it)
            while (!closed) {
                Job j = job;
                if (j == null || j.gen == last) {
                    long spinUntil = System.nanoTime() + WORKER_SPIN_NANOS;
                    while ((j = job) == null || j.gen == last) {
                        if (closed) return;
                        if (System.nanoTime() < spinUntil) {
                            Thread.onSpinWait();
                        } else {
                            parked = true;
                            if ((j = job) == null || j.gen == last) LockSupport.park(this);
                            parked = false;
                        }
                    }
                }
                last = j.gen;
                j.drain();
                j = null;
            }
        }
    }

    /**
     * Runs {@code body.run(i)} for i in [0, tasks), spread over the pool, and returns when all are
     * done. The first exception thrown by a task is rethrown (others are suppressed into it).
     */
    public void forEach(int tasks, Body body) {
        if (tasks <= 0) return;
        if (tasks == 1 || workers.length == 0 || closed || Thread.currentThread() instanceof Worker
                || !busy.compareAndSet(false, true)) {
            for (int i = 0; i < tasks; i++) body.run(i);
            return;
        }
        Job j = new Job(++generation, tasks, body, Thread.currentThread());
        try {
            job = j;
            for (Worker w : workers) if (w.parked) LockSupport.unpark(w);
            j.drain();
            // helpers still finish their last task: spin briefly, then park until the last one unparks us
            long spinUntil = System.nanoTime() + CALLER_SPIN_NANOS;
            while (j.done.get() < tasks && System.nanoTime() < spinUntil) Thread.onSpinWait();
            while (j.done.get() < tasks) {
                j.callerParked = true;
                if (j.done.get() < tasks) LockSupport.park(this);
                if (Thread.interrupted()) {
                    // keep waiting: the tasks still reference the caller's data; restore the flag after
                    while (j.done.get() < tasks) Thread.onSpinWait();
                    Thread.currentThread().interrupt();
                }
            }
        } finally {
            job = null; // drop the body (and what it captured) now
            busy.set(false);
        }
        Throwable t = j.error.get();
        if (t instanceof RuntimeException re) throw re;
        if (t instanceof Error er) throw er;
        if (t != null) throw new IllegalStateException(t);
    }

    /**
     * Splits [0, n) into at most {@code 4·threads} chunks of at least {@code grain} items and runs
     * {@code body.run(from, to)} for each. Small n runs inline on the caller.
     */
    public void range(int n, int grain, RangeBody body) {
        if (n <= 0) return;
        int maxChunks = Math.max(1, Math.min(threads * 4, (n + grain - 1) / Math.max(1, grain)));
        if (threads == 1 || maxChunks == 1) {
            body.run(0, n);
            return;
        }
        int chunk = (n + maxChunks - 1) / maxChunks;
        int tasks = (n + chunk - 1) / chunk;
        forEach(tasks, t -> body.run(t * chunk, Math.min(n, (t + 1) * chunk)));
    }

    /**
     * Runs {@code body.run(from, to)} over [0, n) in guided chunks ({@link #guidedBounds}), handed out in order:
     * the first chunks are large and the last ones small, so the threads finish within a small chunk of each
     * other even when one core is shared with other work. One thread runs [0, n) at once.
     */
    public void guided(int n, int min, int quantum, RangeBody body) {
        if (n <= 0) return;
        if (threads == 1) {
            body.run(0, n);
            return;
        }
        int[] b = guidedBounds(n, threads, min, quantum);
        forEach(b.length - 1, t -> body.run(b[t], b[t + 1]));
    }

    /**
     * Chunk boundaries over [0, n) for {@code threads} threads: each chunk is a 1/(2·threads) share of what
     * is left, rounded up to a multiple of {@code quantum}, at least {@code min} (the last one takes the rest).
     * One chunk for one thread.
     */
    static int[] guidedBounds(int n, int threads, int min, int quantum) {
        if (threads <= 1) return new int[] {0, n};
        int count = 0;
        for (int s = 0; s < n; count++) s = next(s, n, threads, min, quantum);
        int[] b = new int[count + 1];
        for (int i = 0, s = 0; i < count; i++) {
            b[i] = s;
            s = next(s, n, threads, min, quantum);
        }
        b[count] = n;
        return b;
    }

    private static int next(int s, int n, int threads, int min, int quantum) {
        int share = (n - s + 2 * threads - 1) / (2 * threads);
        share = (share + quantum - 1) / quantum * quantum;
        return Math.min(n, s + Math.max(min, share));
    }

    @Override
    public void close() {
        closed = true;
        for (Worker w : workers) LockSupport.unpark(w);
    }
}
