package io.lora4j.models.tokenizer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lora4j.engine.BadInputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.text.Normalizer.Form;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** Reads HF {@code tokenizer.json} (Unigram model) into a {@link T5Tokenizer}, validating every field it uses. */
final class TokenizerJsonReader {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TokenizerJsonReader() {}

    static T5Tokenizer read(Path file) {
        return read(file, Pipeline.FILE);
    }

    static T5Tokenizer read(Path file, Pipeline pipeline) {
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new BadInputException(file + ": not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            if (!Files.exists(file)) throw new UncheckedIOException(new NoSuchFileException(file.toString()));
            throw new UncheckedIOException(e);
        }
        return build(root, file.toString(), pipeline);
    }

    static T5Tokenizer build(JsonNode root, String src) {
        return build(root, src, Pipeline.FILE);
    }

    static T5Tokenizer build(JsonNode root, String src, Pipeline pipeline) {
        if (root == null || !root.isObject()) throw bad(src, "(root)", "a JSON object");
        if (pipeline == Pipeline.TRANSFORMERS) return buildAsTransformers(root, src);
        UnigramModel model = model(root.get("model"), src, false);
        Normalizer normalizer = normalizer(root.get("normalizer"), src, "normalizer");
        PreTokenizer pre = preTokenizer(root.get("pre_tokenizer"), src, "pre_tokenizer");
        Decoder decoder = decoder(root.get("decoder"), src, "decoder");
        List<AddedToken> added = addedTokens(root.get("added_tokens"), src);
        List<int[]> template = postProcessor(root.get("post_processor"), src);
        return new T5Tokenizer(src, model, normalizer, pre, decoder, template, added);
    }

    static BadInputException bad(String src, String field, String expected) {
        return new BadInputException(src + ": field '" + field + "': expected " + expected);
    }

    private static BadInputException unsupported(String src, String field, String kind, String type, String supported) {
        return new BadInputException(src + ": field '" + field + "': unsupported " + kind + " '" + type
                + "' (lora4j supports " + supported + ")");
    }

    private static String type(JsonNode n, String src, String field) {
        if (n == null || !n.isObject()) throw bad(src, field, "an object");
        JsonNode t = n.get("type");
        if (t == null || !t.isTextual()) throw bad(src, field + ".type", "a string");
        return t.asText();
    }

    private static boolean bool(JsonNode n, String key, boolean dflt, String src, String field) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) return dflt;
        if (!v.isBoolean()) throw bad(src, field + "." + key, "true or false");
        return v.asBoolean();
    }

    private static String text(JsonNode n, String key, String src, String field) {
        JsonNode v = n.get(key);
        if (v == null || !v.isTextual()) throw bad(src, field + "." + key, "a string");
        return v.asText();
    }

    /** The pipeline transformers 5's T5Tokenizer rebuilds around the file's vocabulary and charsmap. */
    private static T5Tokenizer buildAsTransformers(JsonNode root, String src) {
        UnigramModel model = model(root.get("model"), src, true);
        JsonNode n = root.get("normalizer");
        Normalizer normalizer = null;
        List<JsonNode> candidates = new ArrayList<>();
        if (n != null && n.isObject()) {
            if ("Sequence".equals(n.path("type").asText()) && n.path("normalizers").isArray()) n.get("normalizers").forEach(candidates::add);
            else candidates.add(n);
        }
        for (int i = 0; i < candidates.size() && normalizer == null; i++) {
            if ("Precompiled".equals(candidates.get(i).path("type").asText())) {
                normalizer = normalizer(candidates.get(i), src, "normalizer");
            }
        }
        PreTokenizer pre = PreTokenizer.sequence(List.of(PreTokenizer.whitespaceSplit(),
                PreTokenizer.metaspace('\u2581', PreTokenizer.PrependScheme.ALWAYS, true)));
        Decoder decoder = Decoder.metaspace('\u2581', PreTokenizer.PrependScheme.ALWAYS);
        List<AddedToken> added = addedTokens(root.get("added_tokens"), src);
        int eos = -1;
        for (AddedToken t : added) if (t.content().equals("</s>")) eos = t.id();
        if (eos < 0) eos = model.id("</s>");
        if (eos < 0) throw new BadInputException(src + ": no '</s>' token in added_tokens or model.vocab (T5's end of sequence)");
        List<int[]> template = new ArrayList<>();
        template.add(null);
        template.add(new int[] {eos});
        return new T5Tokenizer(src, model, normalizer, pre, decoder, template, added);
    }

    private static UnigramModel model(JsonNode m, String src, boolean noByteFallback) {
        if (m == null || !m.isObject()) throw bad(src, "model", "an object");
        JsonNode t = m.get("type");
        String type = t == null ? (m.has("vocab") && m.get("vocab").isArray() ? "Unigram" : null) : t.asText();
        if (!"Unigram".equals(type)) {
            throw new BadInputException(src + ": field 'model.type': model type '" + type
                    + "' is not supported (lora4j reads Unigram models, which T5 uses)");
        }
        JsonNode vocab = m.get("vocab");
        if (vocab == null || !vocab.isArray()) throw bad(src, "model.vocab", "an array of [piece, score] pairs");
        List<String> pieces = new ArrayList<>(vocab.size());
        double[] scores = new double[vocab.size()];
        for (int i = 0; i < vocab.size(); i++) {
            JsonNode e = vocab.get(i);
            if (!e.isArray() || e.size() != 2 || !e.get(0).isTextual() || !e.get(1).isNumber()) {
                throw bad(src, "model.vocab[" + i + "]", "a [piece, score] pair, found " + abbreviate(e));
            }
            pieces.add(e.get(0).asText());
            scores[i] = e.get(1).asDouble();
        }
        JsonNode unk = m.get("unk_id");
        int unkId = -1;
        if (unk != null && !unk.isNull()) {
            if (!unk.canConvertToInt() || !unk.isIntegralNumber() || unk.asInt() < 0) throw bad(src, "model.unk_id", "a non-negative integer or null");
            unkId = unk.asInt();
        }
        boolean byteFallback = bool(m, "byte_fallback", false, src, "model") && !noByteFallback;
        return new UnigramModel(pieces, scores, unkId, byteFallback, src);
    }

    static Normalizer normalizer(JsonNode n, String src, String field) {
        if (n == null || n.isNull()) return null;
        String type = type(n, src, field);
        return switch (type) {
            case "Sequence" -> {
                JsonNode list = n.get("normalizers");
                if (list == null || !list.isArray()) throw bad(src, field + ".normalizers", "an array");
                List<Normalizer> steps = new ArrayList<>();
                for (int i = 0; i < list.size(); i++) {
                    Normalizer s = normalizer(list.get(i), src, field + ".normalizers[" + i + "]");
                    if (s != null) steps.add(s);
                }
                yield Normalizers.sequence(steps);
            }
            case "Precompiled" -> {
                JsonNode c = n.get("precompiled_charsmap");
                if (c == null || c.isNull() || (c.isTextual() && c.asText().isEmpty())) yield s -> s;
                if (!c.isTextual()) throw bad(src, field + ".precompiled_charsmap", "a base64 string");
                byte[] bytes;
                try {
                    bytes = Base64.getDecoder().decode(c.asText());
                } catch (IllegalArgumentException e) {
                    throw bad(src, field + ".precompiled_charsmap", "base64 (" + e.getMessage() + ")");
                }
                yield PrecompiledCharsmap.parse(bytes, src + ": field '" + field + ".precompiled_charsmap'");
            }
            case "Replace" -> {
                String content = text(n, "content", src, field);
                yield pattern(n, src, field, true) instanceof Pattern p ? Normalizers.replaceRegex(p, content)
                        : Normalizers.replaceLiteral(n.get("pattern").get("String").asText(), content);
            }
            case "Strip" -> Normalizers.strip(bool(n, "strip_left", true, src, field), bool(n, "strip_right", true, src, field));
            case "NFC" -> Normalizers.unicode(Form.NFC);
            case "NFD" -> Normalizers.unicode(Form.NFD);
            case "NFKC" -> Normalizers.unicode(Form.NFKC);
            case "NFKD" -> Normalizers.unicode(Form.NFKD);
            case "Lowercase" -> Normalizers.lowercase();
            case "Prepend" -> Normalizers.prepend(text(n, "prepend", src, field));
            default -> throw unsupported(src, field + ".type", "normalizer", type,
                    "Precompiled, Replace, Strip, NFC, NFD, NFKC, NFKD, Lowercase, Prepend, Sequence");
        };
    }

    /** The pattern of a Replace: a compiled regex for {"Regex": ...}, the literal string for {"String": ...}. */
    private static Object pattern(JsonNode n, String src, String field, boolean unused) {
        JsonNode p = n.get("pattern");
        if (p == null || !p.isObject()) throw bad(src, field + ".pattern", "{\"String\": ...} or {\"Regex\": ...}");
        if (p.has("String") && p.get("String").isTextual()) return p.get("String").asText();
        if (p.has("Regex") && p.get("Regex").isTextual()) {
            try {
                return Pattern.compile(p.get("Regex").asText());
            } catch (PatternSyntaxException e) {
                throw bad(src, field + ".pattern.Regex", "a regular expression (" + e.getDescription() + ")");
            }
        }
        throw bad(src, field + ".pattern", "{\"String\": ...} or {\"Regex\": ...}");
    }

    private static char replacement(JsonNode n, String src, String field) {
        JsonNode r = n.get("replacement");
        if (r == null || r.isNull()) return '\u2581';
        if (!r.isTextual() || r.asText().length() != 1) throw bad(src, field + ".replacement", "a single character");
        return r.asText().charAt(0);
    }

    private static PreTokenizer.PrependScheme prependScheme(JsonNode n, String src, String field) {
        JsonNode s = n.get("prepend_scheme");
        if (s != null && !s.isNull()) {
            return switch (s.asText()) {
                case "always" -> PreTokenizer.PrependScheme.ALWAYS;
                case "first" -> PreTokenizer.PrependScheme.FIRST;
                case "never" -> PreTokenizer.PrependScheme.NEVER;
                default -> throw bad(src, field + ".prepend_scheme", "\"always\", \"first\" or \"never\", found " + abbreviate(s));
            };
        }
        // legacy files: add_prefix_space true/false
        return bool(n, "add_prefix_space", true, src, field) ? PreTokenizer.PrependScheme.ALWAYS : PreTokenizer.PrependScheme.NEVER;
    }

    static PreTokenizer preTokenizer(JsonNode n, String src, String field) {
        if (n == null || n.isNull()) return null;
        String type = type(n, src, field);
        return switch (type) {
            case "Sequence" -> {
                JsonNode list = n.get("pretokenizers");
                if (list == null || !list.isArray()) throw bad(src, field + ".pretokenizers", "an array");
                List<PreTokenizer> steps = new ArrayList<>();
                for (int i = 0; i < list.size(); i++) {
                    PreTokenizer p = preTokenizer(list.get(i), src, field + ".pretokenizers[" + i + "]");
                    if (p != null) steps.add(p);
                }
                yield PreTokenizer.sequence(steps);
            }
            case "WhitespaceSplit" -> PreTokenizer.whitespaceSplit();
            case "Metaspace" -> PreTokenizer.metaspace(replacement(n, src, field), prependScheme(n, src, field),
                    bool(n, "split", true, src, field));
            default -> throw unsupported(src, field + ".type", "pre-tokenizer", type, "Metaspace, WhitespaceSplit, Sequence");
        };
    }

    static Decoder decoder(JsonNode n, String src, String field) {
        if (n == null || n.isNull()) return null;
        String type = type(n, src, field);
        return switch (type) {
            case "Sequence" -> {
                JsonNode list = n.get("decoders");
                if (list == null || !list.isArray()) throw bad(src, field + ".decoders", "an array");
                List<Decoder> steps = new ArrayList<>();
                for (int i = 0; i < list.size(); i++) {
                    Decoder d = decoder(list.get(i), src, field + ".decoders[" + i + "]");
                    if (d != null) steps.add(d);
                }
                yield Decoder.sequence(steps);
            }
            case "Metaspace" -> Decoder.metaspace(replacement(n, src, field), prependScheme(n, src, field));
            case "Replace" -> {
                String content = text(n, "content", src, field);
                yield pattern(n, src, field, true) instanceof Pattern p ? Decoder.replaceRegex(p, content)
                        : Decoder.replaceLiteral(n.get("pattern").get("String").asText(), content);
            }
            case "ByteFallback" -> Decoder.byteFallback();
            case "Fuse" -> Decoder.fuse();
            case "Strip" -> {
                String c = text(n, "content", src, field);
                if (c.codePointCount(0, c.length()) != 1) throw bad(src, field + ".content", "a single character");
                JsonNode a = n.get("start"), b = n.get("stop");
                if (a == null || !a.canConvertToInt() || a.asInt() < 0) throw bad(src, field + ".start", "a non-negative integer");
                if (b == null || !b.canConvertToInt() || b.asInt() < 0) throw bad(src, field + ".stop", "a non-negative integer");
                yield Decoder.strip(c.codePointAt(0), a.asInt(), b.asInt());
            }
            default -> throw unsupported(src, field + ".type", "decoder", type, "Metaspace, Replace, ByteFallback, Fuse, Strip, Sequence");
        };
    }

    private static List<AddedToken> addedTokens(JsonNode list, String src) {
        List<AddedToken> out = new ArrayList<>();
        if (list == null || list.isNull()) return out;
        if (!list.isArray()) throw bad(src, "added_tokens", "an array");
        for (int i = 0; i < list.size(); i++) {
            JsonNode t = list.get(i);
            String f = "added_tokens[" + i + "]";
            if (!t.isObject()) throw bad(src, f, "an object");
            JsonNode id = t.get("id");
            if (id == null || !id.isIntegralNumber() || id.asLong() < 0 || id.asLong() > Integer.MAX_VALUE) throw bad(src, f + ".id", "a non-negative integer");
            String content = text(t, "content", src, f);
            if (content.isEmpty()) throw bad(src, f + ".content", "a non-empty string");
            out.add(new AddedToken(id.asInt(), content, bool(t, "special", false, src, f), bool(t, "normalized", true, src, f),
                    bool(t, "lstrip", false, src, f), bool(t, "rstrip", false, src, f), bool(t, "single_word", false, src, f)));
        }
        return out;
    }

    private static List<int[]> postProcessor(JsonNode n, String src) {
        if (n == null || n.isNull()) return null;
        String type = type(n, src, "post_processor");
        if (!type.equals("TemplateProcessing")) {
            throw unsupported(src, "post_processor.type", "post-processor", type, "TemplateProcessing");
        }
        JsonNode single = n.get("single");
        if (single == null || !single.isArray()) throw bad(src, "post_processor.single", "an array");
        JsonNode specials = n.get("special_tokens");
        List<int[]> template = new ArrayList<>();
        int sequences = 0;
        for (int i = 0; i < single.size(); i++) {
            JsonNode item = single.get(i);
            String f = "post_processor.single[" + i + "]";
            if (item.has("Sequence")) {
                String id = item.get("Sequence").path("id").asText();
                if (!id.equals("A")) throw bad(src, f + ".Sequence.id", "\"A\" in a single-sequence template, found " + abbreviate(item));
                template.add(null);
                sequences++;
            } else if (item.has("SpecialToken")) {
                String id = item.get("SpecialToken").path("id").asText();
                JsonNode spec = specials == null ? null : specials.get(id);
                if (spec == null || !spec.has("ids") || !spec.get("ids").isArray()) {
                    throw bad(src, "post_processor.special_tokens." + id, "an entry with \"ids\" for the template's special token '" + id + "'");
                }
                JsonNode ids = spec.get("ids");
                int[] a = new int[ids.size()];
                for (int k = 0; k < a.length; k++) {
                    if (!ids.get(k).isIntegralNumber() || ids.get(k).asInt() < 0) {
                        throw bad(src, "post_processor.special_tokens." + id + ".ids[" + k + "]", "a non-negative integer");
                    }
                    a[k] = ids.get(k).asInt();
                }
                template.add(a);
            } else {
                throw bad(src, f, "{\"Sequence\": ...} or {\"SpecialToken\": ...}, found " + abbreviate(item));
            }
        }
        if (sequences != 1) throw bad(src, "post_processor.single", "exactly one Sequence item, found " + sequences);
        return template;
    }

    private static String abbreviate(JsonNode n) {
        String s = String.valueOf(n);
        return s.length() > 80 ? s.substring(0, 77) + "..." : s;
    }
}
