package io.lora4j.models.tokenizer;

import io.lora4j.engine.BadInputException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.text.BreakIterator;
import java.util.Locale;

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
    private final String[] replacements; // decoded replacement string by offset, for offsets that start one

    private PrecompiledCharsmap(int[] units, byte[] normalized) {
        this.units = units;
        this.normalized = normalized;
        this.replacements = new String[normalized.length + 1];
        for (int start = 0; start < normalized.length; ) {
            int end = start;
            while (end < normalized.length && normalized[end] != 0) end++;
            replacements[start] = new String(normalized, start, end - start, StandardCharsets.UTF_8);
            start = end + 1;
        }
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

    /**
     * Walks the trie over the UTF-8 bytes of s[from, to) and returns the replacement of the shortest prefix
     * found, or null. No allocation unless a replacement is found outside the precomputed strings.
     */
    private String lookup(CharSequence s, int from, int to) {
        int pos = offset(units[0]);
        for (int i = from; i < to; ) {
            int cp = Character.codePointAt(s, i);
            i += Character.charCount(cp);
            int n;
            int b0, b1 = 0, b2 = 0, b3 = 0;
            if (cp < 0x80) { n = 1; b0 = cp; }
            else if (cp < 0x800) { n = 2; b0 = 0xC0 | (cp >> 6); b1 = 0x80 | (cp & 0x3F); }
            else if (cp < 0x10000) { n = 3; b0 = 0xE0 | (cp >> 12); b1 = 0x80 | ((cp >> 6) & 0x3F); b2 = 0x80 | (cp & 0x3F); }
            else { n = 4; b0 = 0xF0 | (cp >> 18); b1 = 0x80 | ((cp >> 12) & 0x3F); b2 = 0x80 | ((cp >> 6) & 0x3F); b3 = 0x80 | (cp & 0x3F); }
            for (int k = 0; k < n; k++) {
                int c = k == 0 ? b0 : k == 1 ? b1 : k == 2 ? b2 : b3;
                if (c == 0) return null;
                pos ^= c;
                if (pos < 0 || pos >= units.length) return null;
                int unit = units[pos];
                if (label(unit) != c) return null;
                pos ^= offset(unit);
                if (hasLeaf(unit)) {
                    if (pos < 0 || pos >= units.length) return null;
                    return replacement(value(units[pos]));
                }
            }
        }
        return null;
    }

    private String replacement(int offset) {
        if (offset < 0 || offset > normalized.length) return null;
        if (offset < replacements.length && replacements[offset] != null) return replacements[offset];
        int end = offset;
        while (end < normalized.length && normalized[end] != 0) end++;
        return new String(normalized, offset, end - offset, StandardCharsets.UTF_8);
    }

    /** The replacement for the shortest prefix of {@code chunk} in the map, or null if none. */
    String transform(String chunk) {
        return lookup(chunk, 0, chunk.length());
    }

    @Override
    public String normalize(String s) {
        if (s.isEmpty()) return s;
        StringBuilder out = null; // allocated on the first change
        BreakIterator it = null;
        int n = s.length();
        for (int start = 0; start < n; ) {
            int cp = s.codePointAt(start);
            int next = start + Character.charCount(cp);
            int end;
            if (next >= n) {
                end = n;
            } else {
                char c2 = s.charAt(next);
                // below U+0300 nothing extends a grapheme cluster except LF after CR (UAX #29 GB3, GB9-9b)
                if (c2 < 0x300 && !(cp == '\r' && c2 == '\n') && !isPrepend(cp)) {
                    end = next;
                } else {
                    if (it == null) {
                        it = BreakIterator.getCharacterInstance(Locale.ROOT);
                        it.setText(s);
                    }
                    end = it.following(start);
                    if (end == BreakIterator.DONE || end <= start) end = next;
                }
            }
            String r = end - start <= 5 && utf8Length(s, start, end) < 6 ? lookup(s, start, end) : null;
            if (r != null) {
                if (out == null) out = new StringBuilder(n + 8).append(s, 0, start);
                out.append(r);
            } else {
                for (int i = start; i < end; ) {
                    int c = s.codePointAt(i);
                    int k = i + Character.charCount(c);
                    String r1 = lookup(s, i, k);
                    if (r1 != null) {
                        if (out == null) out = new StringBuilder(n + 8).append(s, 0, i);
                        out.append(r1);
                    } else if (out != null) {
                        out.append(s, i, k);
                    }
                    i = k;
                }
            }
            start = end;
        }
        return out == null ? s : out.toString();
    }

    /** Grapheme_Cluster_Break=Prepend code points (UAX #29), which join the following character. */
    private static boolean isPrepend(int cp) {
        return (cp >= 0x600 && cp <= 0x605) || cp == 0x6DD || cp == 0x70F || cp == 0x890 || cp == 0x891 || cp == 0x8E2
                || cp == 0xD4E || cp == 0x110BD || cp == 0x110CD || (cp >= 0x111C2 && cp <= 0x111C3) || cp == 0x1193F
                || cp == 0x11941 || cp == 0x11A3A || (cp >= 0x11A84 && cp <= 0x11A89) || cp == 0x11D46 || cp == 0x11F02;
    }

    @Override
    public boolean removesFirstChar(String s) {
        if (s.isEmpty()) return false;
        BreakIterator it = BreakIterator.getCharacterInstance(Locale.ROOT);
        it.setText(s);
        int end = it.next();
        if (end - 0 <= 5 && utf8Length(s, 0, end) < 6) {
            String r = lookup(s, 0, end);
            if (r != null) return r.isEmpty();
        }
        String r = lookup(s, 0, Character.charCount(s.codePointAt(0)));
        return r != null && r.isEmpty();
    }

    static int utf8Length(String s) {
        return utf8Length(s, 0, s.length());
    }

    static int utf8Length(CharSequence s, int from, int to) {
        int n = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < 0x80) n += 1;
            else if (c < 0x800) n += 2;
            else if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(s.charAt(i + 1))) {
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
