package io.lora4j.tests;

import io.lora4j.engine.Backend;
import io.lora4j.engine.Backends;
import java.util.stream.Stream;

/**
 * The backend the parity tests compute with: {@code -Dlora4j.test.backend=NAME} (default "scalar",
 * the reference). {@code mvn -Ptornadovm -pl tests -am verify} sets it to "tornadovm", so the same
 * fixtures check the TornadoVM kernels (docs/tornadovm.md). One instance per test JVM, so a device
 * backend compiles its kernels and uploads its weights once.
 */
public final class TestBackends {
    private TestBackends() {}

    private static Backend shared;

    /** The selected backend when it is neither "scalar" nor "cpu" (those the tests already run), else nothing. */
    public static Stream<Backend> extra() {
        String name = System.getProperty("lora4j.test.backend", "scalar");
        return name.equals("scalar") || name.equals("cpu") ? Stream.empty() : Stream.of(shared());
    }

    public static synchronized Backend shared() {
        if (shared == null) shared = Backends.create(System.getProperty("lora4j.test.backend", "scalar"), 2);
        return shared;
    }
}
