package io.lora4j.tests.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lora4j.models.tokenizer.BatchEncoding;
import io.lora4j.models.tokenizer.Padding;
import io.lora4j.models.tokenizer.Pipeline;
import io.lora4j.models.tokenizer.T5Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Exact parity with Hugging Face on fixtures/tokenizer (written by tools/reference/tokenizer_fixtures.py):
 * a SentencePiece Unigram model (nmt_nfkc) converted by transformers' T5TokenizerFast; corpus.jsonl holds
 * each line's ids and decoded text as transformers produced them; variants.json holds the ids the
 * tokenizers library produces with other normalizer / pre-tokenizer / decoder sections.
 */
class TokenizerParityTest {
    static final Path DIR = Path.of("fixtures/tokenizer");
    static final ObjectMapper JSON = new ObjectMapper();

    record Line(String text, int[] ids, String decodedSkip, String decoded) {}

    static List<Line> corpus() throws IOException {
        return corpus("corpus.jsonl");
    }

    static List<Line> corpus(String file) throws IOException {
        List<Line> lines = new ArrayList<>();
        for (String l : Files.readAllLines(DIR.resolve(file))) {
            JsonNode n = JSON.readTree(l);
            lines.add(new Line(n.get("text").asText(), ids(n.get("ids")), n.get("decoded_skip").asText(),
                    n.has("decoded") ? n.get("decoded").asText() : null));
        }
        return lines;
    }

    static int[] ids(JsonNode a) {
        int[] r = new int[a.size()];
        for (int i = 0; i < r.length; i++) r[i] = a.get(i).asInt();
        return r;
    }

    static void check(T5Tokenizer tok, List<Line> lines, String what) {
        assertTrue(lines.size() >= 300 || what.contains("userdef"), "corpus has " + lines.size() + " lines");
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Line l = lines.get(i);
            int[] ids = tok.encode(l.text());
            if (!Arrays.equals(ids, l.ids())) {
                failures.add("line " + i + " " + JSON.valueToTree(l.text()) + ": ids " + Arrays.toString(ids) + " expected "
                        + Arrays.toString(l.ids()) + " pieces " + tok.encodeDetailed(l.text(), true).tokens());
                continue;
            }
            String d = tok.decode(l.ids(), true);
            if (!d.equals(l.decodedSkip())) {
                failures.add("line " + i + ": decode(skip) " + JSON.valueToTree(d) + " expected " + JSON.valueToTree(l.decodedSkip()));
            }
            if (l.decoded() != null) {
                String d2 = tok.decode(l.ids(), false);
                if (!d2.equals(l.decoded())) {
                    failures.add("line " + i + ": decode " + JSON.valueToTree(d2) + " expected " + JSON.valueToTree(l.decoded()));
                }
            }
        }
        if (!failures.isEmpty()) {
            fail(what + ": " + failures.size() + " of " + lines.size() + " lines differ from HF:\n"
                    + String.join("\n", failures.subList(0, Math.min(15, failures.size()))));
        }
    }

    @Test
    void tokenizerJsonMatchesHf() throws IOException {
        T5Tokenizer tok = T5Tokenizer.fromTokenizerJson(DIR.resolve("tokenizer.json"));
        assertEquals(1100, tok.vocabSize()); // 1000 pieces + 100 sentinels, HF len(tokenizer)
        assertEquals(0, tok.padId());
        assertEquals(1, tok.eosId());
        assertEquals(2, tok.unkId());
        check(tok, corpus(), "tokenizer.json");
        check(T5Tokenizer.load(DIR, Pipeline.TRANSFORMERS), corpus(), "tokenizer.json read as transformers 5 does");
    }

    @Test
    void oneInstanceServesManyThreads() throws Exception {
        T5Tokenizer tok = T5Tokenizer.load(DIR);
        List<Line> lines = corpus();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<Integer>> parts = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int shard = t;
                parts.add(pool.submit(() -> {
                    int bad = 0;
                    for (int r = 0; r < 3; r++) {
                        for (int i = shard; i < lines.size(); i += 4) {
                            if (!Arrays.equals(tok.encode(lines.get(i).text()), lines.get(i).ids())) bad++;
                            if (!tok.decode(lines.get(i).ids(), true).equals(lines.get(i).decodedSkip())) bad++;
                        }
                    }
                    return bad;
                }));
            }
            for (var f : parts) assertEquals(0, f.get());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void spieceModelMatchesHf() throws IOException {
        T5Tokenizer tok = T5Tokenizer.fromSentencePiece(DIR.resolve("spiece.model"));
        assertEquals(1100, tok.vocabSize());
        assertEquals(tok.tokenToId("<extra_id_0>"), 1099);
        check(tok, corpus(), "spiece.model");
    }

    @Test
    void batchTruncationPaddingAndMasksMatchHf() throws IOException {
        T5Tokenizer tok = T5Tokenizer.load(DIR);
        JsonNode cases = JSON.readTree(DIR.resolve("batch.json").toFile());
        assertEquals(4, cases.size());
        for (JsonNode c : cases) {
            List<String> texts = new ArrayList<>();
            c.get("texts").forEach(t -> texts.add(t.asText()));
            int maxLength = c.get("max_length").isNull() ? 0 : c.get("max_length").asInt();
            Padding padding = switch (c.get("padding").asText()) {
                case "longest" -> Padding.LONGEST;
                case "max_length" -> Padding.MAX_LENGTH;
                default -> Padding.NONE;
            };
            BatchEncoding b = tok.encodeBatch(texts, maxLength, padding);
            String what = c.get("padding").asText() + " max_length=" + c.get("max_length");
            for (int i = 0; i < texts.size(); i++) {
                assertArrayEquals(ids(c.get("input_ids").get(i)), b.ids()[i], what + " row " + i);
                assertArrayEquals(ids(c.get("attention_mask").get(i)), b.attentionMask()[i], what + " mask row " + i);
            }
            if (padding == Padding.LONGEST) {
                assertEquals(tok.encodeBatch(texts, maxLength, true).maxLength(), b.maxLength());
                assertEquals(texts.size() * b.maxLength(), b.flatIds().length);
            }
        }
    }

    /** User-defined pieces become (non-special) added tokens, control pieces special ones; custom charsmap. */
    @Test
    void spieceWithUserDefinedAndControlPiecesMatchesHf() throws IOException {
        T5Tokenizer tok = T5Tokenizer.fromSentencePiece(DIR.resolve("spiece_userdef.model"));
        assertTrue(tok.isSpecial(tok.tokenToId("<cls>")));
        assertTrue(!tok.isSpecial(tok.tokenToId("<sep>")));
        List<Line> lines = corpus("userdef.jsonl");
        assertEquals(10, lines.size());
        check(tok, lines, "spiece_userdef.model");
    }

    @Test
    void loadPicksTokenizerJsonThenSpiece(@org.junit.jupiter.api.io.TempDir Path tmp) throws IOException {
        assertTrue(T5Tokenizer.load(DIR).source().endsWith("tokenizer.json"));
        Files.copy(DIR.resolve("spiece.model"), tmp.resolve("spiece.model"));
        assertTrue(T5Tokenizer.load(tmp).source().endsWith("spiece.model"));
    }

    @Test
    void variantsMatchTokenizersLibrary() throws IOException {
        JsonNode base = JSON.readTree(DIR.resolve("tokenizer.json").toFile());
        String charsmap = base.get("normalizer").get("precompiled_charsmap").asText();
        JsonNode variants = JSON.readTree(DIR.resolve("variants.json").toFile()).get("variants");
        List<Line> corpus = corpus();
        int checked = 0, checkedT = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = variants.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> v = it.next();
            ObjectNode root = base.deepCopy();
            JsonNode sections = JSON.readTree(v.getValue().get("sections").toString().replace("$BASE_CHARSMAP", charsmap));
            for (String k : List.of("normalizer", "pre_tokenizer", "decoder")) root.set(k, sections.get(k));
            if (sections.path("byte_fallback").asBoolean(false)) {
                ObjectNode model = (ObjectNode) root.get("model");
                model.put("byte_fallback", true);
                for (int b = 0; b < 256; b++) {
                    model.withArray("vocab").addArray().add(String.format("<0x%02X>", b)).add(-20.0);
                }
            }
            T5Tokenizer tok = T5Tokenizer.fromTokenizerJson(root, "variant " + v.getKey());
            JsonNode exp = v.getValue().get("expected");
            List<Line> lines = new ArrayList<>();
            for (int i = 0; i < corpus.size(); i++) {
                JsonNode e = exp.get(i);
                lines.add(new Line(corpus.get(i).text(), ids(e.get("ids")), e.get("decoded_skip").asText(), null));
            }
            check(tok, lines, "variant " + v.getKey());
            checked++;
            JsonNode expT = v.getValue().get("expected_transformers_where_different");
            if (expT != null) { // transformers 5's AutoTokenizer on a directory holding this file (sparse)
                assertTrue(expT.size() >= 20, "transformers 5 and the file's pipeline differ on " + expT.size() + " lines");
                T5Tokenizer t5 = T5Tokenizer.fromTokenizerJson(root, "variant " + v.getKey(), Pipeline.TRANSFORMERS);
                List<Line> linesT = new ArrayList<>();
                for (int i = 0; i < corpus.size(); i++) {
                    JsonNode e = expT.has(String.valueOf(i)) ? expT.get(String.valueOf(i)) : exp.get(i);
                    linesT.add(new Line(corpus.get(i).text(), ids(e.get("ids")), e.get("decoded_skip").asText(), null));
                }
                check(t5, linesT, "variant " + v.getKey() + " read as transformers 5 does");
                checkedT++;
            }
        }
        assertEquals(4, checked);
        assertEquals(1, checkedT);
    }
}
