package io.lora4j.models.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One step of HF {@code tokenizer.json}'s {@code decoder}: maps the list of token strings to a new list;
 * the decoded text is the concatenation of the final list. Stateless.
 */
public interface Decoder {
    List<String> decodeChain(List<String> tokens);

    /**
     * HF {@code Metaspace} decoder: {@code replacement} becomes a space, except in the first token, where
     * it is dropped unless the prepend scheme is {@code never} (as HF does).
     */
    static Decoder metaspace(char replacement, PreTokenizer.PrependScheme scheme) {
        return tokens -> {
            List<String> out = new ArrayList<>(tokens.size());
            for (int i = 0; i < tokens.size(); i++) {
                String t = tokens.get(i);
                if (i == 0 && scheme != PreTokenizer.PrependScheme.NEVER) {
                    out.add(t.indexOf(replacement) < 0 ? t : t.replace(String.valueOf(replacement), ""));
                } else {
                    out.add(t.replace(replacement, ' '));
                }
            }
            return out;
        };
    }

    /** HF {@code Replace} decoder with a literal pattern. */
    static Decoder replaceLiteral(String pattern, String content) {
        return tokens -> tokens.stream().map(t -> pattern.isEmpty() ? t : t.replace(pattern, content)).toList();
    }

    /** HF {@code Replace} decoder with a regular expression. */
    static Decoder replaceRegex(Pattern pattern, String content) {
        String q = Matcher.quoteReplacement(content);
        return tokens -> tokens.stream().map(t -> pattern.matcher(t).replaceAll(q)).toList();
    }

    /** HF {@code ByteFallback}: runs of {@code <0xXX>} tokens become their UTF-8 text (or U+FFFD per byte if invalid). */
    static Decoder byteFallback() {
        return tokens -> {
            List<String> out = new ArrayList<>(tokens.size());
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            for (String t : tokens) {
                int b = byteValue(t);
                if (b >= 0) {
                    bytes.write(b);
                    continue;
                }
                flushBytes(bytes, out);
                out.add(t);
            }
            flushBytes(bytes, out);
            return out;
        };
    }

    private static int byteValue(String t) {
        if (t.length() != 6 || !t.startsWith("<0x") || t.charAt(5) != '>') return -1;
        int hi = Character.digit(t.charAt(3), 16), lo = Character.digit(t.charAt(4), 16);
        return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
    }

    private static void flushBytes(ByteArrayOutputStream bytes, List<String> out) {
        if (bytes.size() == 0) return;
        byte[] b = bytes.toByteArray();
        bytes.reset();
        try {
            out.add(StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString());
        } catch (CharacterCodingException e) {
            for (int i = 0; i < b.length; i++) out.add("\uFFFD");
        }
    }

    /** HF {@code Fuse}: all tokens into one. */
    static Decoder fuse() {
        return tokens -> List.of(String.join("", tokens));
    }

    /** HF {@code Strip} decoder: removes up to {@code start} leading and {@code stop} trailing {@code content} chars per token. */
    static Decoder strip(int content, int start, int stop) {
        return tokens -> {
            List<String> out = new ArrayList<>(tokens.size());
            for (String t : tokens) {
                int[] cps = t.codePoints().toArray();
                int a = 0;
                for (int i = 0; i < Math.min(start, cps.length) && cps[i] == content; i++) a = i + 1;
                int e = cps.length;
                for (int i = 0; i < stop; i++) {
                    int idx = cps.length - i - 1;
                    if (idx < 0 || cps[idx] != content) break;
                    e = idx;
                }
                out.add(a >= e ? "" : new String(cps, a, e - a));
            }
            return out;
        };
    }

    /** HF {@code Sequence} decoder. */
    static Decoder sequence(List<Decoder> steps) {
        List<Decoder> copy = List.copyOf(steps);
        return tokens -> {
            for (Decoder d : copy) tokens = d.decodeChain(tokens);
            return tokens;
        };
    }
}
