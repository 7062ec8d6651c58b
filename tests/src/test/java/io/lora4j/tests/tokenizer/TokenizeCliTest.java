package io.lora4j.tests.tokenizer;

import io.lora4j.tests.CliRun;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** End-to-end {@code lora4j tokenize} on the parity fixture; expected ids are the first corpus lines (from HF). */
class TokenizeCliTest {
    static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @Test
    void jsonIdsMatchHf() throws Exception {
        ObjectMapper m = new ObjectMapper();
        JsonNode line = null;
        for (String l : Files.readAllLines(TokenizerParityTest.DIR.resolve("corpus.jsonl"))) {
            JsonNode n = m.readTree(l);
            if (n.get("text").asText().equals("The <extra_id_0> walks in <extra_id_1> park")) line = n;
        }
        for (String pipeline : new String[] {"file", "transformers"}) {
            CliRun r = run("tokenize", "--model", "fixtures/tokenizer", "--json", "--pipeline", pipeline, line.get("text").asText());
            assertEquals(0, r.exit(), r.err());
            assertEquals(line.get("ids"), m.readTree(r.out()).get(0).get("ids"));
        }
        CliRun r = run("tokenize", "--model", "fixtures/tokenizer", "--json", line.get("text").asText());
        assertEquals(0, r.exit(), r.err());
        JsonNode res = m.readTree(r.out()).get(0);
        assertEquals(line.get("ids"), res.get("ids"));
        assertEquals(line.get("decoded_skip").asText(), res.get("decoded").asText());
        assertEquals(res.get("ids").size(), res.get("tokens").size());
    }

    @Test
    void decodeIdsAndTextOutput(@TempDir Path tmp) throws Exception {
        CliRun r = run("tokenize", "--model", "fixtures/tokenizer/spiece.model", "--decode", "--keep-special", "1099, 3 1");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("decoded: \"<extra_id_0> </s>\""), r.out());
        Path f = tmp.resolve("in.txt");
        Files.writeString(f, "a b\nc\n");
        r = run("tokenize", "--model", "fixtures/tokenizer", "--input-file", f.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("text:    \"a b\"") && r.out().contains("text:    \"c\""), r.out());
    }

    @Test
    void badInputExitsTwo(@TempDir Path tmp) throws Exception {
        CliRun r = run("tokenize", "--model", tmp.toString(), "x");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("no tokenizer.json or spiece.model"), r.err());
        Files.writeString(tmp.resolve("tokenizer.json"), "{\"model\": {\"type\": \"BPE\", \"vocab\": {}}}");
        r = run("tokenize", "--model", tmp.toString(), "x");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("model.type") && r.err().contains("tokenizer.json"), r.err());
        r = run("tokenize", "--model", "fixtures/tokenizer", "--pipeline", "bogus", "x");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("--pipeline"), r.err());
        r = run("tokenize", "--model", "fixtures/tokenizer", "--decode", "1 x");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("'x' is not a token id"), r.err());
    }
}
