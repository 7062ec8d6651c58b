package io.lora4j.tornadovm;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Compiled plans by key, least-recently-used first out (an evicted plan frees its device buffers),
 * and a bounded record of which keys were seen, so a weight only gets a persistent plan (one more
 * kernel compilation, its buffer resident on the device) from its second use on. Not thread-safe.
 */
final class PlanCache {
    private final int maxPlans;
    private final LinkedHashMap<Object, Entry> plans = new LinkedHashMap<>(64, 0.75f, true);
    private final LinkedHashMap<Object, Boolean> seen;

    private record Entry(Object value, AutoCloseable plan) {}

    PlanCache(int maxPlans) {
        this.maxPlans = Math.max(maxPlans, 8);
        int maxSeen = this.maxPlans * 8;
        this.seen = new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Object, Boolean> e) {
                return size() > maxSeen;
            }
        };
    }

    /** The plan for {@code key}, built by {@code build} on first use. */
    @SuppressWarnings("unchecked")
    <R> R get(Object key, Function<R, ? extends AutoCloseable> planOf, Supplier<R> build) {
        Entry e = plans.get(key);
        if (e != null) return (R) e.value;
        R value = build.get();
        plans.put(key, new Entry(value, planOf.apply(value)));
        if (plans.size() > maxPlans) {
            Iterator<Entry> it = plans.values().iterator();
            Entry eldest = it.next();
            it.remove();
            close(eldest.plan);
        }
        return value;
    }

    /** The cached value for {@code key}, or null; does not build. */
    @SuppressWarnings("unchecked")
    <R> R peek(Object key) {
        Entry e = plans.get(key);
        return e == null ? null : (R) e.value;
    }

    /** Drops (and closes) the plan for {@code key}, if any. */
    void remove(Object key) {
        Entry e = plans.remove(key);
        if (e != null) close(e.plan);
    }

    /** Records a use of {@code key}; true if it was used before. */
    boolean seenBefore(Object key) {
        return seen.put(key, Boolean.TRUE) != null;
    }

    private static void close(AutoCloseable plan) {
        try {
            plan.close();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("TornadoVM failed to release a plan", e);
        }
    }

    int size() {
        return plans.size();
    }

    void clear() {
        for (Entry e : plans.values()) close(e.plan);
        plans.clear();
        seen.clear();
    }
}
