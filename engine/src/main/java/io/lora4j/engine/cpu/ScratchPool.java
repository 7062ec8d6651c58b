package io.lora4j.engine.cpu;

import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Reusable scratch objects of one worker pool: a task borrows one, uses it, gives it back, and a later task
 * (on any thread) reuses it, grown arrays and all. At most {@code keep} idle objects are kept; a burst of
 * concurrent callers beyond that allocates fresh ones and drops them afterwards. Unlike a per-thread cache,
 * the memory held is bounded by the pool's size, not by how many threads ever called in (a server's request
 * threads), and it is released with the backend. Last given back, first borrowed: the one most likely still in cache.
 */
final class ScratchPool<T> {
    private final ConcurrentLinkedDeque<T> idle = new ConcurrentLinkedDeque<>();
    private final AtomicInteger idleCount = new AtomicInteger();
    private final Supplier<T> make;
    private final int keep;

    ScratchPool(Supplier<T> make, int keep) {
        if (keep < 0) throw new IllegalArgumentException("keep must be ≥ 0, got " + keep);
        this.make = make;
        this.keep = keep;
    }

    T borrow() {
        T t = idle.pollFirst();
        if (t == null) return make.get();
        idleCount.decrementAndGet();
        return t;
    }

    void giveBack(T t) {
        if (idleCount.incrementAndGet() <= keep) idle.offerFirst(t);
        else idleCount.decrementAndGet();
    }

    /** Idle objects held now. */
    int idle() {
        return idleCount.get();
    }
}
