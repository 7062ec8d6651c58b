package io.lora4j.models.tokenizer;

import io.lora4j.engine.BadInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The tokenizer of T5 / FLAN-T5 (and other SentencePiece Unigram models), at parity with Hugging Face
 * {@code tokenizers}: added/special tokens matched in the raw text, then normalizer, pre-tokenizer,
 * Unigram Viterbi segmentation, post-processor ({@code </s>} appended); decoding through the
 * tokenizer's decoder. Loads {@code tokenizer.json} or, when a directory has only that, {@code spiece.model}.
 *
 * <p>Immutable and thread-safe: one instance serves any number of threads.
 *
 * <pre>{@code
 * T5Tokenizer tok = T5Tokenizer.load(Path.of("flan-t5-base"));
 * int[] ids = tok.encode("translate English to German: Hello");   // ends with tok.eosId()
 * String text = tok.decode(ids, true);
 * BatchEncoding batch = tok.encodeBatch(List.of("a", "longer text"), 512, true);
 * }</pre>
 */
public final class T5Tokenizer {
    private final String source;
    private final UnigramModel model;
    private final Normalizer normalizer;     // null = none
    private final PreTokenizer preTokenizer; // null = none
    private final Decoder decoder;           // null = join with spaces, as HF does without one
    private final int[][] template;          // single-sequence template: null entry = the sequence, else ids
    private final AddedTokenMatcher rawMatcher;
    private final AddedTokenMatcher normalizedMatcher;
    private final Map<Integer, AddedToken> addedById;
    private final Map<String, Integer> addedByContent;
    private final int vocabSize;
    private final int padId, eosId, unkId;

    T5Tokenizer(String source, UnigramModel model, Normalizer normalizer, PreTokenizer preTokenizer, Decoder decoder,
                List<int[]> template, List<AddedToken> added) {
        this.source = source;
        this.model = model;
        this.normalizer = normalizer;
        this.preTokenizer = preTokenizer;
        this.decoder = decoder;
        this.template = template == null ? null : template.toArray(new int[0][]);
        this.addedById = new HashMap<>();
        this.addedByContent = new HashMap<>();
        List<AddedToken> raw = new ArrayList<>(), norm = new ArrayList<>();
        int max = model.size();
        for (AddedToken t : added) {
            if (t.id() < 0) throw new BadInputException(source + ": added token '" + t.content() + "' has negative id " + t.id());
            addedById.put(t.id(), t);
            addedByContent.put(t.content(), t.id());
            (t.normalized() ? norm : raw).add(t);
            max = Math.max(max, t.id() + 1);
        }
        this.rawMatcher = new AddedTokenMatcher(raw);
        this.normalizedMatcher = new AddedTokenMatcher(norm);
        this.vocabSize = max;
        this.padId = tokenToId("<pad>");
        this.eosId = tokenToId("</s>");
        this.unkId = model.unkId();
    }

    /**
     * Loads the tokenizer of a model directory: {@code tokenizer.json} if present, else {@code spiece.model}.
     * A path to either file works too.
     */
    public static T5Tokenizer load(Path modelDirOrFile) {
        return load(modelDirOrFile, Pipeline.FILE);
    }

    /**
     * As {@link #load(Path)}, reading {@code tokenizer.json} to match {@code pipeline}: the file as written
     * ({@code tokenizers}, transformers 4) or as transformers 5's T5Tokenizer rebuilds it.
     */
    public static T5Tokenizer load(Path modelDirOrFile, Pipeline pipeline) {
        if (Files.isRegularFile(modelDirOrFile)) {
            String name = modelDirOrFile.getFileName().toString();
            return name.endsWith(".json") ? TokenizerJsonReader.read(modelDirOrFile, pipeline) : SentencePieceReader.read(modelDirOrFile);
        }
        if (!Files.isDirectory(modelDirOrFile)) throw new BadInputException(modelDirOrFile + ": no such file or directory");
        Path json = modelDirOrFile.resolve("tokenizer.json");
        if (Files.isRegularFile(json)) return TokenizerJsonReader.read(json, pipeline);
        Path spm = modelDirOrFile.resolve("spiece.model");
        if (Files.isRegularFile(spm)) return SentencePieceReader.read(spm);
        throw new BadInputException(modelDirOrFile + ": no tokenizer.json or spiece.model in this directory");
    }

    /** Reads an HF {@code tokenizer.json}. */
    public static T5Tokenizer fromTokenizerJson(Path file) {
        return TokenizerJsonReader.read(file);
    }

    /** Builds from the parsed JSON of a {@code tokenizer.json}; {@code source} names it in error messages. */
    public static T5Tokenizer fromTokenizerJson(com.fasterxml.jackson.databind.JsonNode root, String source) {
        return TokenizerJsonReader.build(root, source, Pipeline.FILE);
    }

    /** As {@link #fromTokenizerJson(com.fasterxml.jackson.databind.JsonNode, String)} with a {@link Pipeline}. */
    public static T5Tokenizer fromTokenizerJson(com.fasterxml.jackson.databind.JsonNode root, String source, Pipeline pipeline) {
        return TokenizerJsonReader.build(root, source, pipeline);
    }

    /** Reads a SentencePiece {@code spiece.model}, converted as transformers' {@code T5TokenizerFast} converts it. */
    public static T5Tokenizer fromSentencePiece(Path file) {
        return SentencePieceReader.read(file);
    }

    /** Token ids of one text, with the post-processor's special tokens ({@code </s>} for T5). */
    public int[] encode(String text) {
        IntBuffer out = new IntBuffer();
        encodeInto(text, true, out, null, -1);
        return out.toArray();
    }

    /** Ids and token strings of one text; {@code addSpecialTokens} as HF's argument of that name. */
    public Encoding encodeDetailed(String text, boolean addSpecialTokens) {
        IntBuffer out = new IntBuffer();
        List<String> toks = new ArrayList<>();
        encodeInto(text, addSpecialTokens, out, toks, -1);
        return new Encoding(out.toArray(), toks);
    }

    /**
     * Encodes a batch: each row truncated to {@code maxLength} ({@code <= 0}: no limit) keeping the
     * trailing {@code </s>} (as HF {@code truncation=True}), and with {@code pad} right-padded with
     * {@code <pad>} to the longest row (HF {@code padding=True}); the attention mask is 1 on tokens, 0 on padding.
     */
    public BatchEncoding encodeBatch(List<String> texts, int maxLength, boolean pad) {
        return encodeBatch(texts, maxLength, pad ? Padding.LONGEST : Padding.NONE);
    }

    /** As {@link #encodeBatch(List, int, boolean)} with an explicit padding strategy. */
    public BatchEncoding encodeBatch(List<String> texts, int maxLength, Padding padding) {
        if (padding == Padding.MAX_LENGTH && maxLength <= 0) throw new IllegalArgumentException("Padding.MAX_LENGTH needs maxLength > 0");
        int[][] rows = new int[texts.size()][];
        int longest = 0;
        for (int i = 0; i < rows.length; i++) {
            IntBuffer out = new IntBuffer();
            encodeInto(texts.get(i), true, out, null, maxLength);
            rows[i] = out.toArray();
            longest = Math.max(longest, rows[i].length);
        }
        int target = switch (padding) {
            case NONE -> -1;
            case LONGEST -> longest;
            case MAX_LENGTH -> maxLength;
        };
        if (target >= 0 && padId < 0) throw new BadInputException(source + ": padding asked for but the tokenizer has no <pad> token");
        int[][] masks = new int[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            int n = rows[i].length;
            if (target > n) {
                int[] r = Arrays.copyOf(rows[i], target);
                Arrays.fill(r, n, target, padId);
                rows[i] = r;
            }
            masks[i] = new int[rows[i].length];
            Arrays.fill(masks[i], 0, n, 1);
        }
        return new BatchEncoding(rows, masks);
    }

    private void encodeInto(String text, boolean addSpecial, IntBuffer out, List<String> toks, int maxLength) {
        IntBuffer content = new IntBuffer();
        List<String> contentToks = toks == null ? null : new ArrayList<>();
        for (AddedTokenMatcher.Segment seg : rawMatcher.split(text)) {
            if (seg.token() != null) {
                addAdded(seg.token(), content, contentToks);
                continue;
            }
            String s = text.substring(seg.start(), seg.end());
            boolean segAtStart = seg.start() == 0;
            if (normalizer != null) {
                segAtStart = segAtStart && !normalizer.removesFirstChar(s);
                s = normalizer.normalize(s);
            }
            for (AddedTokenMatcher.Segment seg2 : normalizedMatcher.split(s)) {
                if (seg2.token() != null) {
                    addAdded(seg2.token(), content, contentToks);
                    continue;
                }
                String w = s.substring(seg2.start(), seg2.end());
                boolean atStart = segAtStart && seg2.start() == 0;
                if (preTokenizer == null) {
                    model.tokenize(w, content, contentToks);
                } else {
                    for (PreTokenizer.Piece p : preTokenizer.apply(List.of(new PreTokenizer.Piece(w, atStart)))) {
                        model.tokenize(p.text(), content, contentToks);
                    }
                }
            }
        }
        int n = content.size();
        if (!addSpecial || template == null) {
            if (maxLength > 0) n = Math.min(n, maxLength);
            for (int i = 0; i < n; i++) out.add(content.get(i));
            if (toks != null) toks.addAll(contentToks.subList(0, n));
            return;
        }
        int special = 0;
        for (int[] t : template) if (t != null) special += t.length;
        if (maxLength > 0) n = Math.max(0, Math.min(n, maxLength - special));
        for (int[] t : template) {
            if (t == null) {
                for (int i = 0; i < n; i++) out.add(content.get(i));
                if (toks != null) toks.addAll(contentToks.subList(0, n));
            } else {
                for (int id : t) {
                    out.add(id);
                    if (toks != null) toks.add(idToToken(id));
                }
            }
        }
    }

    private static void addAdded(AddedToken t, IntBuffer out, List<String> toks) {
        out.add(t.id());
        if (toks != null) toks.add(t.content());
    }

    /**
     * Text of ids through the tokenizer's decoder. With {@code skipSpecialTokens}, special tokens
     * ({@code <pad>}, {@code </s>}, {@code <unk>}, {@code <extra_id_N>}) are left out first. Ids outside
     * the vocabulary (T5 checkpoints have 28 more logits than tokens) are skipped, as HF does.
     */
    public String decode(int[] ids, boolean skipSpecialTokens) {
        List<String> toks = new ArrayList<>(ids.length);
        for (int id : ids) {
            if (id < 0) throw new BadInputException("token id " + id + " is negative (labels masked with -100 must be removed before decoding)");
            AddedToken a = addedById.get(id);
            if (a != null) {
                if (!(skipSpecialTokens && a.special())) toks.add(a.content());
                continue;
            }
            if (id >= model.size()) continue;
            String p = model.piece(id);
            if (skipSpecialTokens && addedByContent.containsKey(p) && addedById.get(addedByContent.get(p)).special()) continue;
            toks.add(p);
        }
        if (decoder == null) return String.join(" ", toks);
        return String.join("", decoder.decodeChain(toks));
    }

    /** The token string of an id (added token or vocabulary piece), or null if out of range. */
    public String idToToken(int id) {
        AddedToken a = addedById.get(id);
        if (a != null) return a.content();
        return id >= 0 && id < model.size() ? model.piece(id) : null;
    }

    /** The id of a token string (added token or vocabulary piece), or -1. */
    public int tokenToId(String token) {
        Integer a = addedByContent.get(token);
        return a != null ? a : model.id(token);
    }

    /** True if the id is a special added token (what {@code decode(ids, true)} drops). */
    public boolean isSpecial(int id) {
        AddedToken a = addedById.get(id);
        return a != null && a.special();
    }

    /** Id of {@code <pad>} (0 for T5), or -1 if absent. */
    public int padId() {
        return padId;
    }

    /** Id of {@code </s>} (1 for T5), or -1 if absent. */
    public int eosId() {
        return eosId;
    }

    /** Id of the unknown token (2 for T5), or -1 if the model has none. */
    public int unkId() {
        return unkId;
    }

    /** Number of tokens (vocabulary plus added tokens; HF's {@code len(tokenizer)}: 32100 for T5). */
    public int vocabSize() {
        return vocabSize;
    }

    /** The Unigram model (vocabulary and scores). */
    public UnigramModel model() {
        return model;
    }

    /** The file this tokenizer was read from. */
    public String source() {
        return source;
    }

    @Override
    public String toString() {
        return "T5Tokenizer(" + source + ", " + vocabSize + " tokens)";
    }
}
