package io.lora4j.models.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.lora4j.engine.BadInputException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class UnigramModelTest {
    static int[] tokenize(UnigramModel m, String s, List<String> pieces) {
        IntBuffer b = new IntBuffer();
        m.tokenize(s, b, pieces);
        return b.toArray();
    }

    @Test
    void viterbiPicksTheBestPath() {
        // "abc": a+b+c = -3, ab+c = -2.5, a+bc = -1.5 (best; hand-computed)
        UnigramModel m = new UnigramModel(List.of("<unk>", "a", "b", "c", "ab", "bc"),
                new double[] {0, -1, -1, -1, -1.5, -0.5}, 0, false, "t");
        List<String> pieces = new ArrayList<>();
        assertArrayEquals(new int[] {1, 5}, tokenize(m, "abc", pieces));
        assertEquals(List.of("a", "bc"), pieces);
    }

    @Test
    void unknownsAreFusedAndScoredMinMinusTen() {
        UnigramModel m = new UnigramModel(List.of("<unk>", "a", "b"), new double[] {0, -1, -2}, 0, false, "t");
        List<String> pieces = new ArrayList<>();
        // x and y have no piece: one fused unknown; the emoji (a surrogate pair) too
        assertArrayEquals(new int[] {1, 0, 2, 0}, tokenize(m, "axyb😀", pieces));
        assertEquals(List.of("a", "xy", "b", "😀"), pieces);
    }

    @Test
    void byteFallbackEmitsUtf8Bytes() {
        List<String> vocab = new ArrayList<>(List.of("<unk>", "a"));
        for (int b = 0; b < 256; b++) vocab.add(UnigramModel.byteToken((byte) b));
        double[] scores = new double[vocab.size()];
        UnigramModel m = new UnigramModel(vocab, scores, 0, true, "t");
        assertArrayEquals(new int[] {1, 2 + 0xC3, 2 + 0xA9}, tokenize(m, "aé", null));
    }

    @Test
    void addedTokensLeftmostLongest() {
        AddedTokenMatcher m = new AddedTokenMatcher(List.of(AddedToken.special(1, "</s>"), AddedToken.special(5, "<extra_id_1>"),
                AddedToken.special(6, "<extra_id_10>")));
        var segs = m.split("a</s><extra_id_10>b");
        assertEquals(4, segs.size());
        assertEquals(6, segs.get(2).token().id());
        assertEquals("b", "a</s><extra_id_10>b".substring(segs.get(3).start(), segs.get(3).end()));
    }

    @Test
    void validationNamesFileAndField() throws Exception {
        ObjectMapper json = new ObjectMapper();
        String ok = "{\"model\":{\"type\":\"Unigram\",\"unk_id\":0,\"vocab\":[[\"<unk>\",0.0],[\"\u2581a\",-1.0]]},"
                + "\"pre_tokenizer\":{\"type\":\"Metaspace\",\"replacement\":\"\u2581\",\"prepend_scheme\":\"always\",\"split\":true}}";
        T5Tokenizer t = T5Tokenizer.fromTokenizerJson(json.readTree(ok), "x/tokenizer.json");
        assertArrayEquals(new int[] {1, 1}, t.encode("a a"));
        // a lone surrogate (possible in a Java string, not in Rust's) is an unknown, not a crash
        assertArrayEquals(new int[] {0, 1}, t.encode("\ud800 a"));
        assertEquals(2, t.vocabSize());
        assertEquals(-1, t.eosId());
        String[][] bad = {
            {ok.replace("\"Unigram\"", "\"BPE\""), "field 'model.type'"},
            {ok.replace("[\"<unk>\",0.0]", "[\"<unk>\"]"), "field 'model.vocab[0]'"},
            {ok.replace("\"unk_id\":0", "\"unk_id\":7"), "unk_id 7"},
            {ok.replace("\"pre_tokenizer\"", "\"normalizer\":{\"type\":\"BertNormalizer\"},\"pre_tokenizer\""), "field 'normalizer.type': unsupported normalizer 'BertNormalizer'"},
            {ok.replace("\"prepend_scheme\":\"always\"", "\"prepend_scheme\":\"sometimes\""), "field 'pre_tokenizer.prepend_scheme'"},
            {ok.replace("\"pre_tokenizer\"", "\"post_processor\":{\"type\":\"BertProcessing\"},\"pre_tokenizer\""), "field 'post_processor.type'"},
            {ok.replace("\"pre_tokenizer\"", "\"normalizer\":{\"type\":\"Precompiled\",\"precompiled_charsmap\":\"!!\"},\"pre_tokenizer\""), "precompiled_charsmap"},
        };
        for (String[] b : bad) {
            BadInputException e = assertThrows(BadInputException.class, () -> T5Tokenizer.fromTokenizerJson(json.readTree(b[0]), "x/tokenizer.json"));
            assertTrue(e.getMessage().startsWith("x/tokenizer.json: ") && e.getMessage().contains(b[1]), e.getMessage());
        }
    }

    @Test
    void malformedSentencePieceModel() {
        // field 1 (pieces), length 10, but only 2 bytes follow
        BadInputException e = assertThrows(BadInputException.class,
                () -> SentencePieceReader.parse(new byte[] {0x0A, 10, 1, 2}, "m/spiece.model"));
        assertTrue(e.getMessage().startsWith("m/spiece.model: not a valid SentencePiece model"), e.getMessage());
        // trainer_spec.model_type = 2 (BPE)
        var spm = SentencePieceReader.parse(new byte[] {0x0A, 3, 0x0A, 1, 'a', 0x12, 2, 0x18, 2}, "m/spiece.model");
        e = assertThrows(BadInputException.class, () -> SentencePieceReader.build(spm, "m/spiece.model"));
        assertTrue(e.getMessage().contains("trainer_spec.model_type"), e.getMessage());
    }
}
