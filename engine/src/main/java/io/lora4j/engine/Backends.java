package io.lora4j.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/** Creates backends by name: "cpu" (default), "scalar", or any {@link BackendProvider} on the class/module path. */
public final class Backends {
    private Backends() {}

    /** Threads to use when the user gives none: the available processors. */
    public static int defaultThreads() {
        return Runtime.getRuntime().availableProcessors();
    }

    /**
     * @param name    "cpu", "scalar" or a provider's name
     * @param threads worker threads (≥ 1); ignored by "scalar"
     */
    public static Backend create(String name, int threads) {
        if (threads < 1) throw new BadInputException("--threads must be at least 1, got " + threads);
        switch (name) {
            case "cpu":
                return new CpuBackend(threads);
            case "scalar":
                return new ScalarBackend();
            default:
                List<String> known = new ArrayList<>(List.of("cpu", "scalar"));
                for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) {
                    if (p.name().equals(name)) return p.create(threads);
                    known.add(p.name());
                }
                if (name.equals("tornadovm")) {
                    throw new BadInputException("backend 'tornadovm' is not available: lora4j was started without the "
                            + "lora4j-tornadovm module (and TornadoVM) on its path. Install the TornadoVM SDK, set TORNADO_SDK to its "
                            + "directory (the one holding tornado-argfile), build the module with "
                            + "'mvn -Ptornadovm -DskipTests -pl tornadovm -am package' and run through bin/lora4j, which then "
                            + "starts Java with @$TORNADO_SDK/tornado-argfile (see docs/tornadovm.md).");
                }
                throw new BadInputException("unknown backend '" + name + "'; known: " + String.join(", ", known));
        }
    }
}
