package io.lora4j.models.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lora4j.engine.BadInputException;
import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class NormalizerPiecesTest {
    /**
     * A SentencePiece charsmap compiled (sentencepiece 0.2.x, normalization_rule_tsv) from the rules
     * A→a, e+U+0301→é, ﬁ→fi, U+200B→(nothing), U+3000→space. Expected outputs below are what
     * HF tokenizers 0.23.2's {@code normalizers.Precompiled(charsmap).normalize_str} returns.
     */
    static final String SMALL_CHARSMAP = "AAQAAAAAAQBBDQAAAwAAgMwYAgCBBQAACAAAgIAoAgCLPQAAAAAAgIAMAgCABQAAAQAAgKwMAgAFAACAgQ0AAA4AAAARAAAAEAAAABMAAAASAAAAFQAAABQAAAAXAAAAFgAAABkAAAAYAAAAGwAAABoAAAAdAAAAHAAAAB8AAAAeAAAAIQAAACAAAAAjAAAAIgAAACUAAABlqAMAJwAAACYAAAApAAAAKAAAACsAAAAqAAAALQAAACwAAAAvAAAALgAAADEAAAAwAAAAMwAAADIAAAA1AAAANAAAADcAAAA2AAAAOQAAADgAAAA7AAAAOgAAAD0AAAA8AAAAPwAAAD4AAABBAAAAQAAAAEMAAABCAAAARQAAAEQAAABHAAAARgAAAEkAAABIAAAASwAAAEoAAABNAAAATAAAAE8AAABOAAAAUQAAAFAAAABTAAAAUgAAAFUAAABUAAAAVwAAAFYAAABZAAAAWAAAAFsAAABaAAAAXQAAAFwAAABfAAAAXgAAAGEAAABgAAAAYwAAAGIAAABlAAAAZAAAAGcAAABmAAAAaQAAAGgAAABrAAAAagAAAG0AAABsAAAAbwAAAG4AAABxAAAAcAAAAHMAAAByAAAAdQAAAHQAAAB3AAAAdgAAAHkAAAB4AAAAewAAAHoAAAB9AAAAfAAAAH8AAAB+AAAAgQAAAIAAAACDAAAAggAAAIUAAACEAAAAhwAAAIYAAACJAAAAiAAAAIsAAACKAAAAjQAAAIwAAACPAAAAjgAAAJEAAACQAAAAkwAAAJIAAACVAAAAlAAAAJcAAACWAAAAmQAAAJgAAACbAAAAmgAAAJ0AAACcAAAAnwAAAJ4AAAChAAAAoAAAAOKQAADjqAAApQAAAKQAAACnAAAApgAAAKkAAACoAAAAqwAAAKoAAACtAAAArAAAAK8AAADvPAAAsQAAALAAAACzAAAAsgAAALUAAAC0AAAAtwAAALYAAAC5AAAAuAAAALsAAAC6AAAAvQAAALwAAAC/AAAAvgAAAMEAAADAAAAAwwAAAMIAAADFAAAAxAAAAMcAAADGAAAAyQAAAMgAAADLAAAAygAAAM0AAADMAAAAzwAAAM4AAADRAAAA0AAAANMAAADSAAAA1QAAANQAAADXAAAA1gAAANkAAADYAAAA2wAAANoAAADdAAAA3AAAAN8AAADeAAAA4QAAAOAAAADjAAAA4gAAAOUAAADkAAAA5wAAAOYAAADpAAAA6AAAAOsAAADqAAAA7QAAAOwAAADvAAAA7gAAAPEAAADwAAAA8wAAAPIAAAD1AAAA9AAAAPcAAAD2AAAA+QAAAPgAAAD7AAAA+gAAAP0AAAD8AAAA/wAAAP4AAAAAIABhAGZpAMOpAA==";

    static PrecompiledCharsmap small() {
        return PrecompiledCharsmap.parse(Base64.getDecoder().decode(SMALL_CHARSMAP), "test");
    }

    @Test
    void precompiledMatchesHf() {
        PrecompiledCharsmap p = small();
        assertEquals("aBa", p.normalize("ABA"));
        assertEquals("\u00e9t\u00e9", p.normalize("e\u0301t\u00e9"));
        assertEquals("fine", p.normalize("\ufb01ne"));
        assertEquals("ab", p.normalize("a\u200bb"));
        assertEquals("x", p.normalize("\u200bx"));
        assertEquals("x y", p.normalize("x\u3000y"));
        assertEquals("a\u00e9", p.normalize("Ae\u0301"));
        // a grapheme shorter than 6 bytes is replaced whole by its shortest mapped prefix: the second accent goes
        assertEquals("\u00e9", p.normalize("e\u0301\u0301"));
        assertEquals("plain", p.normalize("plain"));
        assertEquals("", p.normalize(""));
        assertTrue(p.removesFirstChar("\u200bx"));
        assertFalse(p.removesFirstChar("Ax"));
    }

    /** The plain algorithm (every grapheme found with BreakIterator), to check normalize's fast path against. */
    static String reference(PrecompiledCharsmap p, String s) {
        StringBuilder out = new StringBuilder();
        java.text.BreakIterator it = java.text.BreakIterator.getCharacterInstance(java.util.Locale.ROOT);
        it.setText(s);
        int start = it.first();
        for (int end = it.next(); end != java.text.BreakIterator.DONE; start = end, end = it.next()) {
            String g = s.substring(start, end);
            String n = PrecompiledCharsmap.utf8Length(g) < 6 ? p.transform(g) : null;
            if (n != null) {
                out.append(n);
                continue;
            }
            g.codePoints().forEach(cp -> {
                String c = new String(Character.toChars(cp));
                String r = p.transform(c);
                out.append(r != null ? r : c);
            });
        }
        return out.toString();
    }

    @Test
    void precompiledFastPathMatchesPlainGraphemeWalk() {
        PrecompiledCharsmap p = small();
        String[] alphabet = {"A", "e", "\u0301", "\u0308", "\r", "\n", " ", "\u200b", "\u3000", "\ufb01", "\u1100", "\u1161",
            "\uac00", "\ud83c\udde9", "\ud83d\udc4d", "\ud83c\udffd", "\u200d", "\u0600", "x", "\u0915", "\u093f", "\u00e9"};
        java.util.Random rnd = new java.util.Random(7);
        for (int t = 0; t < 3000; t++) {
            StringBuilder b = new StringBuilder();
            for (int i = rnd.nextInt(12); i > 0; i--) b.append(alphabet[rnd.nextInt(alphabet.length)]);
            String s = b.toString();
            assertEquals(reference(p, s), p.normalize(s), () -> "input " + s.codePoints().mapToObj(Integer::toHexString).toList());
        }
    }

    @Test
    void precompiledRejectsTruncatedMaps() {
        assertThrows(BadInputException.class, () -> PrecompiledCharsmap.parse(new byte[] {1, 2}, "f"));
        // declares a trie of 0x10000 bytes in a 8-byte buffer
        BadInputException e = assertThrows(BadInputException.class,
                () -> PrecompiledCharsmap.parse(new byte[] {0, 0, 1, 0, 0, 0, 0, 0}, "file.json: field 'x'"));
        assertTrue(e.getMessage().startsWith("file.json: field 'x'"), e.getMessage());
    }

    @Test
    void stripReplaceLowercaseSequence() {
        assertEquals("a b", Normalizers.strip(true, true).normalize("\u3000\t a b\u00a0\n"));
        assertEquals(" a", Normalizers.strip(false, true).normalize(" a "));
        assertEquals("x\u2581y\u2581z", Normalizers.replaceRegex(Pattern.compile(" {2,}"), "\u2581").normalize("x  y     z"));
        assertEquals("a\"b", Normalizers.replaceLiteral("``", "\"").normalize("a``b"));
        // per code point, no final-sigma rule (as HF); U+0130 lowercases to i + combining dot
        assertEquals("σσ i\u0307", Normalizers.lowercase().normalize("ΣΣ \u0130"));
        Normalizer seq = Normalizers.sequence(List.of(Normalizers.unicode(java.text.Normalizer.Form.NFKC), Normalizers.lowercase()));
        assertEquals("abc fi", seq.normalize("ＡＢＣ \ufb01"));
        assertTrue(Normalizers.sequence(List.of(Normalizers.lowercase(), Normalizers.strip(true, false))).removesFirstChar(" a"));
        assertTrue(Normalizers.isWhitespace(0x3000) && Normalizers.isWhitespace(0xA0) && !Normalizers.isWhitespace(0x200B));
    }

    @Test
    void metaspaceAndWhitespaceSplit() {
        PreTokenizer p = PreTokenizer.sequence(List.of(PreTokenizer.whitespaceSplit(),
                PreTokenizer.metaspace('\u2581', PreTokenizer.PrependScheme.ALWAYS, true)));
        List<PreTokenizer.Piece> out = p.apply(List.of(new PreTokenizer.Piece("  Hello\tworld\u00a0!", true)));
        assertEquals(List.of("\u2581Hello", "\u2581world", "\u2581!"), out.stream().map(PreTokenizer.Piece::text).toList());
        PreTokenizer m = PreTokenizer.metaspace('\u2581', PreTokenizer.PrependScheme.FIRST, true);
        assertEquals(List.of("\u2581a", "\u2581", "\u2581b"),
                m.apply(List.of(new PreTokenizer.Piece("a  b", true))).stream().map(PreTokenizer.Piece::text).toList());
        assertEquals(List.of("a", "\u2581b"),
                m.apply(List.of(new PreTokenizer.Piece("a b", false))).stream().map(PreTokenizer.Piece::text).toList());
        Decoder d = Decoder.metaspace('\u2581', PreTokenizer.PrependScheme.ALWAYS);
        assertEquals("Hello world", String.join("", d.decodeChain(List.of("\u2581Hello", "\u2581world"))));
        // expected values: tokenizers 0.23.2 decoders.Metaspace / ByteFallback .decode on the same tokens
        assertEquals("ab c", String.join("", d.decodeChain(List.of("a\u2581b", "\u2581c"))));
        Decoder bf = Decoder.sequence(List.of(Decoder.byteFallback(), Decoder.fuse()));
        assertEquals("x\uFFFD\uFFFD\uFFFD", String.join("", bf.decodeChain(List.of("x", "<0xC3>", "<0xA9>", "<0xFF>"))));
        assertEquals("x\u00e9y\uFFFD", String.join("", bf.decodeChain(List.of("x", "<0xC3>", "<0xA9>", "y", "<0xFF>"))));
    }
}
