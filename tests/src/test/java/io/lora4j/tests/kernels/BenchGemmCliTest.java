package io.lora4j.tests.kernels;

import io.lora4j.tests.CliRun;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** {@code lora4j bench gemm} end to end on tiny shapes: the JSON fields the issue asks for, and bad input → exit 2. */
class BenchGemmCliTest {
    static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @Test
    void jsonEntriesPerShapeAndDtypePlusBandwidth() throws Exception {
        CliRun r = run("bench", "gemm", "--json", "--threads", "2", "--shapes", "3x5x7,9x17x33", "--dtypes", "F32,BF16,F16",
                "--reps", "2", "--warmup", "1", "--warmup-seconds", "0", "--min-seconds", "0", "--bandwidth-mb", "1");
        assertEquals(0, r.exit(), r.err());
        JsonNode list = new ObjectMapper().readTree(r.out());
        assertEquals(7, list.size(), r.out());
        JsonNode e = list.get(1);
        assertEquals(3, e.get("m").asInt());
        assertEquals(5, e.get("n").asInt());
        assertEquals(7, e.get("k").asInt());
        assertEquals("BF16", e.get("weights_dtype").asText());
        assertTrue(e.get("gflops").asDouble() > 0, r.out());
        assertEquals("F16", list.get(5).get("weights_dtype").asText());
        assertEquals("read_bandwidth", list.get(6).get("bench").asText());
        assertTrue(list.get(6).get("gbps").asDouble() > 0, r.out());
    }

    @Test
    void distinctWeightsRotateAndAreReported() throws Exception {
        CliRun r = run("bench", "gemm", "--json", "--threads", "2", "--shapes", "9x17x33", "--dtypes", "F32,BF16", "--distinct-weights", "3",
                "--reps", "4", "--warmup", "1", "--warmup-seconds", "0", "--min-seconds", "0", "--bandwidth-mb", "0");
        assertEquals(0, r.exit(), r.err());
        JsonNode list = new ObjectMapper().readTree(r.out());
        assertEquals(2, list.size(), r.out());
        assertEquals(3, list.get(1).get("distinct_weights").asInt(), r.out());
        assertTrue(list.get(1).get("gflops").asDouble() > 0, r.out());
        r = run("bench", "gemm", "--distinct-weights", "0", "--bandwidth-mb", "0");
        assertEquals(2, r.exit(), r.out());
        assertTrue(r.err().contains("--distinct-weights"), r.err());
        for (String mb : new String[] {"-1", "100000"}) {
            r = run("bench", "gemm", "--shapes", "3x5x7", "--bandwidth-mb", mb);
            assertEquals(2, r.exit(), r.out());
            assertTrue(r.err().contains("--bandwidth-mb must be 0 (skip) to 4096, got " + mb), r.err());
        }
    }

    @Test
    void badShapeIsExit2() {
        CliRun r = run("bench", "gemm", "--shapes", "3x5", "--bandwidth-mb", "0");
        assertEquals(2, r.exit(), r.out());
        assertTrue(r.err().contains("--shapes: '3x5'"), r.err());
        r = run("bench", "gemm", "--dtypes", "I8", "--bandwidth-mb", "0");
        assertEquals(2, r.exit(), r.out());
        assertTrue(r.err().contains("--dtypes"), r.err());
    }
}
