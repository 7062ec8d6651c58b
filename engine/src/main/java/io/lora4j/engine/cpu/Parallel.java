package io.lora4j.engine.cpu;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The worker pool of one {@code CpuBackend}: {@code threads - 1} daemon workers plus the calling
 * thread. {@link #forEach} hands out task indices dynamically (cores are shared, so static splits
 * would wait on the slowest core). The caller always works too, so nested or concurrent calls
 * cannot deadlock: they just run with fewer helpers. After {@link #close()} every call runs on
 * the caller alone (JUnit, for one, closes AutoCloseable test arguments it is handed).
 */
public final class Parallel implements AutoCloseable {
    /** A loop body over task indices. */
    @FunctionalInterface
    public interface Body {
        void run(int task);
    }

    private static final AtomicInteger POOL_IDS = new AtomicInteger();
    /** How long the caller spins for helpers to finish before parking. */
    private static final long SPIN_NANOS = 200_000;

    private final int threads;
    private final ExecutorService pool; // null when threads == 1
    private final ThreadLocal<Boolean> inWorker = ThreadLocal.withInitial(() -> Boolean.FALSE);

    public Parallel(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be ≥ 1, got " + threads);
        this.threads = threads;
        if (threads == 1) {
            pool = null;
        } else {
            int id = POOL_IDS.incrementAndGet();
            AtomicInteger n = new AtomicInteger();
            ThreadFactory tf = r -> {
                Thread t = new Thread(() -> {
                    inWorker.set(Boolean.TRUE);
                    r.run();
                }, "lora4j-cpu-" + id + "-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            };
            pool = Executors.newFixedThreadPool(threads - 1, tf);
        }
    }

    public int threads() {
        return threads;
    }

    /**
     * Runs {@code body.run(i)} for i in [0, tasks), spread over the pool, and returns when all are
     * done. The first exception thrown by a task is rethrown (others are suppressed into it).
     */
    public void forEach(int tasks, Body body) {
        if (tasks <= 0) return;
        if (tasks == 1 || pool == null || pool.isShutdown() || inWorker.get()) {
            for (int i = 0; i < tasks; i++) body.run(i);
            return;
        }
        AtomicInteger next = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(tasks);
        AtomicReference<Throwable> error = new AtomicReference<>();
        Runnable drain = () -> {
            for (int i; (i = next.getAndIncrement()) < tasks; ) {
                try {
                    if (error.get() == null) body.run(i);
                } catch (Throwable t) {
                    if (!error.compareAndSet(null, t)) error.get().addSuppressed(t);
                } finally {
                    done.countDown();
                }
            }
        };
        int helpers = Math.min(threads - 1, tasks - 1);
        try {
            for (int h = 0; h < helpers; h++) pool.execute(drain);
        } catch (java.util.concurrent.RejectedExecutionException closedMeanwhile) {
            // close() raced with this call: the caller drains the rest alone
        }
        drain.run();
        // helpers still finish their last task: spin briefly (a park costs a reschedule, which on
        // busy cores can take milliseconds), then block
        long spinUntil = System.nanoTime() + SPIN_NANOS;
        while (done.getCount() > 0 && System.nanoTime() < spinUntil) Thread.onSpinWait();
        try {
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for worker threads", e);
        }
        Throwable t = error.get();
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

    /** A loop body over a range [from, to). */
    @FunctionalInterface
    public interface RangeBody {
        void run(int from, int to);
    }

    @Override
    public void close() {
        if (pool != null) pool.shutdownNow();
    }
}
