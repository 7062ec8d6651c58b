package io.lora4j.tools;

import io.lora4j.engine.Backend;
import io.lora4j.engine.Backends;
import picocli.CommandLine.Option;

/** Options every computing command takes: {@code @Mixin CommonOptions common;} */
public final class CommonOptions {
    @Option(names = "--json", description = "Print the result as JSON on stdout.")
    public boolean json;

    @Option(names = {"-q", "--quiet"}, description = "No progress bar or informational output on stderr.")
    public boolean quiet;

    @Option(names = "--threads", paramLabel = "N", description = "Worker threads (default: all cores).")
    public Integer threads;

    @Option(names = "--backend", paramLabel = "NAME", defaultValue = "cpu",
            description = "Compute backend: cpu (default), scalar (slow reference), tornadovm (GPU; see README).")
    public String backend;

    public int threadCount() {
        return threads == null ? Backends.defaultThreads() : threads;
    }

    /** A new backend as the options ask; the caller closes it. */
    public Backend openBackend() {
        return Backends.create(backend, threadCount());
    }
}
