package io.lora4j.engine;

/**
 * Service-provider interface for backends outside the engine (the TornadoVM module registers one
 * in META-INF/services). The CPU path never depends on a provider being present.
 */
public interface BackendProvider {
    /** Name used on the command line, e.g. "tornadovm". */
    String name();

    /** Creates a backend; throws {@link Lora4jException} with install instructions if its runtime is missing. */
    Backend create(int threads);
}
