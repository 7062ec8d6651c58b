package io.lora4j.models.nn;

import java.util.HashMap;
import java.util.Map;

/**
 * Per-request data carried unchanged through a model's forward pass to every {@link Linear}.
 * Models never look inside; adapters read what they put in with their own typed {@link Key}s.
 * Immutable: {@link #with} returns a new context.
 */
public final class ForwardContext {
    /** The empty context. */
    public static final ForwardContext NONE = new ForwardContext(Map.of());

    /** A typed key; compare by identity. */
    public static final class Key<T> {
        private final String name;

        public Key(String name) {
            this.name = name;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private final Map<Key<?>, Object> values;

    private ForwardContext(Map<Key<?>, Object> values) {
        this.values = values;
    }

    /** A new context with {@code key} set to {@code value}. */
    public <T> ForwardContext with(Key<T> key, T value) {
        Map<Key<?>, Object> m = new HashMap<>(values);
        m.put(key, value);
        return new ForwardContext(Map.copyOf(m));
    }

    /** The value under {@code key}, or null. */
    @SuppressWarnings("unchecked")
    public <T> T get(Key<T> key) {
        return (T) values.get(key);
    }
}
