package io.lora4j.tornadovm;

import io.lora4j.engine.Backend;
import io.lora4j.engine.BackendProvider;
import io.lora4j.engine.BadInputException;
import io.lora4j.engine.Lora4jException;

/**
 * Registers the "tornadovm" backend (META-INF/services). This class touches no TornadoVM type, so
 * it loads even when TornadoVM is absent; {@link #create} then fails with install instructions.
 */
public final class TornadoVmBackendProvider implements BackendProvider {

    /** What to do when TornadoVM is not on the module path. */
    static final String HOW_TO_INSTALL = "TornadoVM is not on the module path. Install the TornadoVM SDK "
            + "(JDK 25 build, OpenCL or PTX backend), set TORNADO_SDK to its directory (the one holding tornado-argfile), "
            + "build the module once with 'mvn -Ptornadovm -DskipTests -pl tornadovm -am package' and start lora4j "
            + "through bin/lora4j, which then adds @$TORNADO_SDK/tornado-argfile. See docs/tornadovm.md.";

    @Override
    public String name() {
        return "tornadovm";
    }

    @Override
    public Backend create(int threads) {
        if (!tornadoPresent()) throw new BadInputException("backend 'tornadovm': " + HOW_TO_INSTALL);
        try {
            return new TornadoVmBackend(threads);
        } catch (LinkageError e) {
            throw new Lora4jException("backend 'tornadovm' could not start TornadoVM (" + e + "). " + HOW_TO_INSTALL, e);
        }
    }

    /** True when the TornadoVM runtime (not just its API) is loadable: the argfile sets these properties and module path. */
    static boolean tornadoPresent() {
        if (System.getProperty("tornado.load.runtime.implementation") == null) return false;
        try {
            Class.forName("uk.ac.manchester.tornado.api.TornadoExecutionPlan", false, TornadoVmBackendProvider.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }
}
