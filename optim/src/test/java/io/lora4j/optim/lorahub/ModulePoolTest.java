package io.lora4j.optim.lorahub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.lora4j.engine.BadInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModulePoolTest {
    @Test
    void samplesReproduciblyWithoutReplacement(@TempDir Path tmp) throws Exception {
        for (int i = 0; i < 12; i++) {
            Path d = Files.createDirectories(tmp.resolve(String.format("task%02d", i)));
            Files.writeString(d.resolve("adapter_config.json"), "{}");
        }
        Files.createDirectories(tmp.resolve("not-a-module"));
        assertEquals(12, ModulePool.list(tmp).size());
        List<Path> a = ModulePool.sample(tmp, 5, 42), b = ModulePool.sample(tmp, 5, 42), c = ModulePool.sample(tmp, 5, 43);
        assertEquals(a, b);
        assertNotEquals(a, c);
        assertEquals(5, new HashSet<>(a).size());
        assertEquals(12, ModulePool.sample(tmp, 0, 1).size());
        assertThrows(BadInputException.class, () -> ModulePool.sample(tmp, 13, 1));
        assertThrows(BadInputException.class, () -> ModulePool.list(tmp.resolve("not-a-module")));
    }
}
