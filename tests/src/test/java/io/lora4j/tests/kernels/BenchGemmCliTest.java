package io.lora4j.tests.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lora4j.tools.Lora4jCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code lora4j bench gemm} end to end on tiny shapes: the JSON fields the issue asks for, and bad input → exit 2. */
class BenchGemmCliTest {
    record Run(int exit, String out, String err) {}

    static Run run(String... args) {
        CommandLine cl = Lora4jCli.commandLine();
        StringWriter out = new StringWriter(), err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void jsonEntriesPerShapeAndDtypePlusBandwidth() throws Exception {
        Run r = run("bench", "gemm", "--json", "--threads", "2", "--shapes", "3x5x7,9x17x33", "--dtypes", "F32,BF16,F16",
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
    void badShapeIsExit2() {
        Run r = run("bench", "gemm", "--shapes", "3x5", "--bandwidth-mb", "0");
        assertEquals(2, r.exit(), r.out());
        assertTrue(r.err().contains("--shapes: '3x5'"), r.err());
        r = run("bench", "gemm", "--dtypes", "I8", "--bandwidth-mb", "0");
        assertEquals(2, r.exit(), r.out());
        assertTrue(r.err().contains("--dtypes"), r.err());
    }
}
