package io.lora4j.models.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * One pre-tokenization step of HF {@code tokenizer.json} ({@code WhitespaceSplit}, {@code Metaspace},
 * {@code Sequence}): splits normalized text into words the model segments separately. Stateless.
 */
public interface PreTokenizer {
    /**
     * A piece of text; {@code atStart} tells whether it begins at offset 0 of the original input
     * (what Metaspace's {@code prepend_scheme: first} looks at).
     */
    record Piece(String text, boolean atStart) {}

    /** Splits each input piece; never returns empty pieces. */
    List<Piece> apply(List<Piece> in);

    /** HF {@code Metaspace} {@code prepend_scheme}. */
    enum PrependScheme { ALWAYS, FIRST, NEVER }

    /** HF {@code WhitespaceSplit}: splits on Unicode White_Space, dropping it. */
    static PreTokenizer whitespaceSplit() {
        return in -> {
            List<Piece> out = new ArrayList<>();
            for (Piece p : in) {
                String s = p.text();
                int start = -1;
                for (int i = 0; i < s.length(); ) {
                    int cp = s.codePointAt(i);
                    boolean ws = Normalizers.isWhitespace(cp);
                    if (ws && start >= 0) {
                        out.add(new Piece(s.substring(start, i), p.atStart() && start == 0));
                        start = -1;
                    } else if (!ws && start < 0) {
                        start = i;
                    }
                    i += Character.charCount(cp);
                }
                if (start >= 0) out.add(new Piece(s.substring(start), p.atStart() && start == 0));
            }
            return out;
        };
    }

    /**
     * HF {@code Metaspace}: spaces become {@code replacement}, which is prepended per {@code scheme}
     * unless the text already starts with it; with {@code split} the text is cut before each replacement.
     */
    static PreTokenizer metaspace(char replacement, PrependScheme scheme, boolean split) {
        return in -> {
            List<Piece> out = new ArrayList<>();
            for (Piece p : in) {
                String s = p.text().replace(' ', replacement);
                if (!s.isEmpty() && s.charAt(0) != replacement
                        && (scheme == PrependScheme.ALWAYS || (scheme == PrependScheme.FIRST && p.atStart()))) {
                    s = replacement + s;
                }
                if (s.isEmpty()) continue;
                if (!split) {
                    out.add(new Piece(s, p.atStart()));
                    continue;
                }
                int start = 0;
                for (int i = 1; i <= s.length(); i++) {
                    if (i == s.length() || s.charAt(i) == replacement) {
                        out.add(new Piece(s.substring(start, i), p.atStart() && start == 0));
                        start = i;
                    }
                }
            }
            return out;
        };
    }

    /** HF {@code Sequence}. */
    static PreTokenizer sequence(List<PreTokenizer> steps) {
        List<PreTokenizer> copy = List.copyOf(steps);
        return in -> {
            for (PreTokenizer t : copy) in = t.apply(in);
            return in;
        };
    }
}
