package io.lora4j.models.tokenizer;

import java.text.Normalizer.Form;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The normalizers of HF {@code tokenizer.json} that T5-family tokenizers use. */
public final class Normalizers {
    private Normalizers() {}

    /** Unicode normalization form (HF {@code NFC}, {@code NFD}, {@code NFKC}, {@code NFKD}). */
    public static Normalizer unicode(Form form) {
        return s -> java.text.Normalizer.normalize(s, form);
    }

    /** HF {@code Lowercase}: every code point mapped to its lowercase on its own (no context rules). */
    public static Normalizer lowercase() {
        return s -> {
            StringBuilder b = new StringBuilder(s.length());
            for (int i = 0; i < s.length(); ) {
                int cp = s.codePointAt(i);
                i += Character.charCount(cp);
                if (cp < 0x80) {
                    b.append((char) (cp >= 'A' && cp <= 'Z' ? cp + 32 : cp));
                } else {
                    // String.toLowerCase on a single code point has no neighbours, so no final-sigma rule
                    b.append(new String(Character.toChars(cp)).toLowerCase(Locale.ROOT));
                }
            }
            return b.toString();
        };
    }

    /** HF {@code Strip}: removes Unicode White_Space at the start and/or end. */
    public static Normalizer strip(boolean left, boolean right) {
        Normalizer n = s -> {
            int a = 0, e = s.length();
            if (left) {
                while (a < e) {
                    int cp = s.codePointAt(a);
                    if (!isWhitespace(cp)) break;
                    a += Character.charCount(cp);
                }
            }
            if (right) {
                while (e > a) {
                    int cp = s.codePointBefore(e);
                    if (!isWhitespace(cp)) break;
                    e -= Character.charCount(cp);
                }
            }
            return s.substring(a, e);
        };
        return new Normalizer() {
            @Override
            public String normalize(String text) {
                return n.normalize(text);
            }

            @Override
            public boolean removesFirstChar(String text) {
                return left && !text.isEmpty() && isWhitespace(text.codePointAt(0));
            }
        };
    }

    /** HF {@code Replace} with a literal pattern. */
    public static Normalizer replaceLiteral(String pattern, String content) {
        if (pattern.isEmpty()) return s -> s;
        return new Normalizer() {
            @Override
            public String normalize(String s) {
                return s.replace(pattern, content);
            }

            @Override
            public boolean removesFirstChar(String s) {
                return content.isEmpty() && s.startsWith(pattern);
            }
        };
    }

    /** HF {@code Replace} with a regular expression (Oniguruma syntax in HF; Java's for the common subset). */
    public static Normalizer replaceRegex(Pattern pattern, String content) {
        String quoted = Matcher.quoteReplacement(content);
        return new Normalizer() {
            @Override
            public String normalize(String s) {
                return pattern.matcher(s).replaceAll(quoted);
            }

            @Override
            public boolean removesFirstChar(String s) {
                if (!content.isEmpty()) return false;
                Matcher m = pattern.matcher(s);
                return m.lookingAt() && m.end() > 0;
            }
        };
    }

    /** HF {@code Prepend}: prepends a string to non-empty text. */
    public static Normalizer prepend(String prefix) {
        return s -> s.isEmpty() ? s : prefix + s;
    }

    /** HF {@code Sequence}: each normalizer in turn. */
    public static Normalizer sequence(List<Normalizer> steps) {
        List<Normalizer> copy = List.copyOf(steps);
        return new Normalizer() {
            @Override
            public String normalize(String s) {
                for (Normalizer n : copy) s = n.normalize(s);
                return s;
            }

            @Override
            public boolean removesFirstChar(String s) {
                for (Normalizer n : copy) {
                    if (n.removesFirstChar(s)) return true;
                    s = n.normalize(s);
                }
                return false;
            }
        };
    }

    /** Unicode White_Space, as Rust's {@code char::is_whitespace} (which HF uses). */
    public static boolean isWhitespace(int cp) {
        return switch (cp) {
            case 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000 -> true;
            default -> cp >= 0x2000 && cp <= 0x200A;
        };
    }
}
