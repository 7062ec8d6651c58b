package io.lora4j.models.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Splits text on added tokens as HF's {@code AddedVocabulary} does: leftmost-longest, non-overlapping
 * matches; {@code single_word} tokens only between non-word characters; {@code lstrip}/{@code rstrip}
 * absorb neighbouring whitespace. Immutable.
 */
final class AddedTokenMatcher {
    /** A span of the input: a token ({@code token != null}) or text to process further. */
    record Segment(int start, int end, AddedToken token) {}

    private final Map<Character, List<AddedToken>> byFirstChar = new HashMap<>();
    private final boolean empty;
    private final boolean[] isFirstChar = new boolean[65536];

    AddedTokenMatcher(List<AddedToken> tokens) {
        for (AddedToken t : tokens) {
            if (t.content().isEmpty()) continue;
            byFirstChar.computeIfAbsent(t.content().charAt(0), k -> new ArrayList<>()).add(t);
            isFirstChar[t.content().charAt(0)] = true;
        }
        for (List<AddedToken> l : byFirstChar.values()) l.sort(Comparator.comparingInt((AddedToken t) -> t.content().length()).reversed());
        empty = byFirstChar.isEmpty();
    }

    List<Segment> split(String s) {
        List<Segment> out = new ArrayList<>();
        if (empty || s.isEmpty()) {
            out.add(new Segment(0, s.length(), null));
            return out;
        }
        int startOffset = 0;
        int i = 0;
        while (i < s.length()) {
            if (!isFirstChar[s.charAt(i)]) {
                i++;
                continue;
            }
            List<AddedToken> cands = byFirstChar.get(s.charAt(i));
            AddedToken match = null;
            if (cands != null) {
                for (AddedToken t : cands) {
                    if (s.startsWith(t.content(), i)) {
                        match = t;
                        break;
                    }
                }
            }
            if (match == null) {
                i++;
                continue;
            }
            int start = i, stop = i + match.content().length();
            i = stop;
            if (match.singleWord()) {
                boolean startOk = start == 0 || !isWordChar(s.codePointBefore(start));
                boolean stopOk = stop == s.length() || !isWordChar(s.codePointAt(stop));
                if (!startOk || !stopOk) continue;
            }
            if (match.lstrip()) {
                int ns = start;
                while (ns > 0 && Normalizers.isWhitespace(s.codePointBefore(ns))) ns -= Character.charCount(s.codePointBefore(ns));
                start = Math.max(ns, startOffset);
            }
            if (match.rstrip()) {
                while (stop < s.length() && Normalizers.isWhitespace(s.codePointAt(stop))) stop += Character.charCount(s.codePointAt(stop));
            }
            if (startOffset < start) out.add(new Segment(startOffset, start, null));
            out.add(new Segment(start, stop, match));
            startOffset = stop;
            i = Math.max(i, stop);
        }
        if (startOffset != s.length()) out.add(new Segment(startOffset, s.length(), null));
        return out;
    }

    private static boolean isWordChar(int cp) {
        return Character.isLetterOrDigit(cp) || cp == '_';
    }
}
