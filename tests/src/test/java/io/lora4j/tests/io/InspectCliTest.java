package io.lora4j.tests.io;

import io.lora4j.tests.CliRun;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lora4j inspect}: lists Python-written files; malformed input exits 2 with a message naming file and problem. */
class InspectCliTest {
    static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @Test
    void listsTensorsAndMetadataAsJson() throws Exception {
        CliRun r = run("inspect", IoFixtureTest.DIR.resolve("sharded").toString(), "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals(3, j.get("tensor_count").asInt());
        assertEquals("pt", j.get("metadata").get("format").asText());
        JsonNode first = j.get("tensors").get(0);
        assertEquals("encoder.weight", first.get("name").asText());
        assertEquals("F32", first.get("dtype").asText());
        assertEquals("[4,3]", first.get("shape").toString());
        assertEquals(48, first.get("bytes").asLong());
    }

    @Test
    void textListingOfATorchCheckpoint() {
        CliRun r = run("inspect", IoFixtureTest.DIR.resolve("nested.pt").toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("state_dict.head.weight") && r.out().contains("epoch = 3"), r.out());
    }

    @Test
    void malformedFileExitsTwoWithTheProblem(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("broken.safetensors");
        byte[] valid = Files.readAllBytes(IoFixtureTest.DIR.resolve("all_dtypes.safetensors"));
        Files.write(bad, java.util.Arrays.copyOf(valid, valid.length - 10));
        CliRun r = run("inspect", bad.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("broken.safetensors") && r.err().contains("outside the") && !r.err().contains("Exception"), r.err());
        CliRun evil = run("inspect", IoFixtureTest.DIR.resolve("evil.bin").toString());
        assertEquals(2, evil.code());
        assertTrue(evil.err().contains("posix.system"), evil.err());
        assertEquals(2, run("inspect", dir.resolve("missing").toString()).code());
    }
}
