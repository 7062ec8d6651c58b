package io.lora4j.tornadovm;

import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The grid of {@link TornadoVmBackendTest} on the per-op mode (-Dlora4j.tornadovm.resident=false): every op uploads and downloads. */
class TornadoVmPerOpBackendTest extends TornadoVmBackendTest {
    @BeforeAll
    static void open() {
        dev = new TornadoVmBackend(2, false);
        assertFalse(dev.residentActivations());
        System.err.println("TornadoVM device (per-op mode): " + dev.deviceName());
    }

    @AfterAll
    static void close() {
        dev.close();
    }
}
