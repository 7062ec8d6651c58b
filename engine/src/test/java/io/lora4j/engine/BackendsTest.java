package io.lora4j.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BackendsTest {
    @Test
    void tornadovmWithoutTheModuleExplainsHowToInstall() {
        BadInputException e = assertThrows(BadInputException.class, () -> Backends.create("tornadovm", 1));
        assertTrue(e.getMessage().contains("TORNADO_SDK"), e.getMessage());
        assertTrue(e.getMessage().contains("-Ptornadovm"), e.getMessage());
        assertTrue(e.getMessage().contains("docs/tornadovm.md"), e.getMessage());
    }

    @Test
    void unknownBackendListsTheKnownOnes() {
        BadInputException e = assertThrows(BadInputException.class, () -> Backends.create("nope", 1));
        assertTrue(e.getMessage().contains("cpu") && e.getMessage().contains("scalar"), e.getMessage());
        try (Backend b = Backends.create("scalar", 1)) {
            assertEquals("scalar", b.name());
        }
    }
}
