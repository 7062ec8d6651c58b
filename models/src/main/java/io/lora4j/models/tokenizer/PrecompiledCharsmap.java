package io.lora4j.models.tokenizer;

import io.lora4j.engine.BadInputException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.text.BreakIterator;

/**
 * SentencePiece's precompiled normalization map (the {@code precompiled_charsmap} of a
 * {@code Precompiled} normalizer, or {@code normalizer_spec.precompiled_charsmap} of {@code spiece.model}):
 * a darts-clone double-array trie from UTF-8 keys to offsets into a block of NUL-terminated replacement
 * strings. Applied exactly as Hugging Face {@code tokenizers} applies it: per extended grapheme cluster,
 * if the cluster is shorter than 6 UTF-8 bytes and a prefix of it is in the trie, the whole cluster is
 * replaced by the (shortest) prefix's replacement; otherwise each code point is looked up alone.
 * Immutable and thread-safe.
 */
public final class PrecompiledCharsmap implements Normalizer {
    private final int[] units;
    private final byte[] normalized;

    private PrecompiledCharsmap(int[] units, byte[] normalized) {
        this.units = units;
        this.normalized = normalized;
    }

    /**
     * Parses the binary map: a little-endian u32 trie size in bytes, the trie units, then the
     * replacement strings. {@code source} names the file and field for error messages.
     */
    public static PrecompiledCharsmap parse(byte[] data, String source) {
        if (data.length < 4) throw new BadInputException(source + ": precompiled charsmap is " + data.length + " bytes, expected at least 4");
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        long trieSize = Integer.toUnsignedLong(b.getInt());
        if (trieSize % 4 != 0 || trieSize > data.length - 4L || trieSize == 0) {
            throw new BadInputException(source + ": precompiled charsmap declares a trie of " + trieSize
                    + " bytes, which does not fit its " + data.length + " bytes (or is not a multiple of 4)");
        }
        int[] units = new int[(int) (trieSize / 4)];
        for (int i = 0; i < units.length; i++) units[i] = b.getInt();
        byte[] norm = new byte[data.length - 4 - (int) trieSize];
        b.get(norm);
        return new PrecompiledCharsmap(units, norm);
    }

    private static boolean hasLeaf(int u) { return ((u >>> 8) & 1) == 1; }
    private static int value(int u) { return u & 0x7FFFFFFF; }
    private static int label(int u) { return u & (0x80000000 | 0xFF); }
    private static int offset(int u) { return (u >>> 10) << ((u & (1 << 9)) >>> 6); }

    /** Offset of the replacement for the shortest prefix of key[from, to) in the trie, or -1. */
    private int firstPrefixValue(byte[] key, int from, int to) {
        int pos = 0;
        int unit = units[pos];
        pos ^= offset(unit);
        for (int i = from; i < to; i++) {
            int c = key[i] & 0xFF;
            if (c == 0) break;
            pos ^= c;
            if (pos < 0 || pos >= units.length) return -1;
            unit = units[pos];
            if (label(unit) != c) return -1;
            pos ^= offset(unit);
            if (hasLeaf(unit)) {
                if (pos < 0 || pos >= units.length) return -1;
                return value(units[pos]);
            }
        }
        return -1;
    }

    /** The replacement for the shortest prefix of {@code chunk} in the map, or null if none. */
    String transform(String chunk) {
        byte[] key = chunk.getBytes(StandardCharsets.UTF_8);
        int v = firstPrefixValue(key, 0, key.length);
        if (v < 0 || v > normalized.length) return null;
        int end = v;
        while (end < normalized.length && normalized[end] != 0) end++;
        return new String(normalized, v, end - v, StandardCharsets.UTF_8);
    }

    @Override
    public String normalize(String s) {
        if (s.isEmpty()) return s;
        StringBuilder out = new StringBuilder(s.length() + 8);
        BreakIterator it = BreakIterator.getCharacterInstance(java.util.Locale.ROOT);
        it.setText(s);
        int start = it.first();
        for (int end = it.next(); end != BreakIterator.DONE; start = end, end = it.next()) {
            String g = s.substring(start, end);
            if (utf8Length(g) < 6) {
                String n = transform(g);
                if (n != null) {
                    out.append(n);
                    continue;
                }
            }
            for (int i = 0; i < g.length(); ) {
                int cp = g.codePointAt(i);
                int n = Character.charCount(cp);
                String part = g.substring(i, i + n);
                String r = transform(part);
                out.append(r != null ? r : part);
                i += n;
            }
        }
        return out.toString();
    }

    @Override
    public boolean removesFirstChar(String s) {
        if (s.isEmpty()) return false;
        BreakIterator it = BreakIterator.getCharacterInstance(java.util.Locale.ROOT);
        it.setText(s);
        String g = s.substring(0, it.next());
        if (utf8Length(g) < 6) {
            String n = transform(g);
            if (n != null) return n.isEmpty();
        }
        String first = new String(Character.toChars(s.codePointAt(0)));
        String r = transform(first);
        return r != null && r.isEmpty();
    }

    static int utf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) n += 1;
            else if (c < 0x800) n += 2;
            else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else n += 3;
        }
        return n;
    }

    @Override
    public String toString() {
        return "Precompiled(" + units.length + " trie units, " + normalized.length + " bytes of replacements)";
    }
}
