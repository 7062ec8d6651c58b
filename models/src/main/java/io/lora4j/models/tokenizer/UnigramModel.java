package io.lora4j.models.tokenizer;

import io.lora4j.engine.BadInputException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Unigram model of HF {@code tokenizers}: Viterbi segmentation over the vocabulary's log-probability
 * scores. A code point that no piece covers becomes an unknown node scored {@code min(score) - 10};
 * consecutive unknowns are fused into one token. With byte fallback, an unknown span is emitted as
 * {@code <0xXX>} pieces of its UTF-8 bytes when all of them are in the vocabulary.
 * Immutable and thread-safe.
 */
public final class UnigramModel {
    static final double UNK_PENALTY = 10.0;

    private final String[] pieces;
    private final double[] scores;
    private final Map<String, Integer> ids;
    private final CharTrie trie;
    private final int unkId;
    private final boolean byteFallback;
    private final double unkScore;

    /**
     * @param pieces the vocabulary, by id
     * @param scores the log-probability of each piece
     * @param unkId the id of the unknown piece, or -1 if the model has none
     * @param source names the file for error messages
     */
    public UnigramModel(List<String> pieces, double[] scores, int unkId, boolean byteFallback, String source) {
        if (pieces.isEmpty()) throw new BadInputException(source + ": the Unigram vocabulary is empty");
        if (pieces.size() != scores.length) throw new IllegalArgumentException("pieces and scores differ in length");
        if (unkId >= pieces.size()) {
            throw new BadInputException(source + ": unk_id " + unkId + " is outside the vocabulary of " + pieces.size() + " pieces");
        }
        this.pieces = pieces.toArray(new String[0]);
        this.scores = scores.clone();
        this.unkId = unkId;
        this.byteFallback = byteFallback;
        this.ids = new HashMap<>(pieces.size() * 2);
        int chars = 0;
        for (String p : pieces) chars += p.length();
        this.trie = new CharTrie(chars);
        double min = Double.POSITIVE_INFINITY;
        for (int i = 0; i < this.pieces.length; i++) {
            ids.put(this.pieces[i], i);
            if (!this.pieces[i].isEmpty()) trie.put(this.pieces[i], i);
            min = Math.min(min, scores[i]);
        }
        // the trie holds the last id of a duplicated piece, as HF's token_to_ids does
        for (Map.Entry<String, Integer> e : ids.entrySet()) if (!e.getKey().isEmpty()) trie.put(e.getKey(), e.getValue());
        this.unkScore = min - UNK_PENALTY;
    }

    public int size() {
        return pieces.length;
    }

    public String piece(int id) {
        return pieces[id];
    }

    public double score(int id) {
        return scores[id];
    }

    /** The id of a piece, or -1. */
    public int id(String piece) {
        Integer i = ids.get(piece);
        return i == null ? -1 : i;
    }

    public int unkId() {
        return unkId;
    }

    public boolean byteFallback() {
        return byteFallback;
    }

    /** Segments one pre-tokenized word and appends its ids (and pieces, if {@code pieces} is not null). */
    void tokenize(String s, IntBuffer out, List<String> piecesOut) {
        int n = s.length();
        if (n == 0) return;
        double[] best = new double[n + 1];
        int[] from = new int[n + 1];
        int[] tok = new int[n + 1];
        java.util.Arrays.fill(from, 1, n + 1, -1);
        for (int start = 0; start < n; ) {
            int cpLen = Character.charCount(s.codePointAt(start));
            if (from[start] < 0 && start > 0) { // unreachable (only when there is no unk): skip
                start += cpLen;
                continue;
            }
            double base = best[start];
            boolean single = false;
            int node = 0;
            for (int end = start; end < n; end++) {
                node = trie.child(node, s.charAt(end));
                if (node < 0) break;
                int id = trie.value(node);
                if (id < 0) continue;
                int keyPos = end + 1;
                double cand = base + scores[id];
                if (from[keyPos] < 0 || cand > best[keyPos]) {
                    best[keyPos] = cand;
                    from[keyPos] = start;
                    tok[keyPos] = id;
                }
                if (keyPos - start == cpLen) single = true;
            }
            if (!single) {
                if (unkId < 0) {
                    throw new BadInputException("the Unigram model has no unk_id and cannot encode '" + s.substring(start, start + cpLen) + "'");
                }
                int keyPos = start + cpLen;
                double cand = base + unkScore;
                if (from[keyPos] < 0 || cand > best[keyPos]) {
                    best[keyPos] = cand;
                    from[keyPos] = start;
                    tok[keyPos] = unkId;
                }
            }
            start += cpLen;
        }
        // backtrack, fusing consecutive unknown nodes
        int count = 0;
        int[] starts = new int[n + 1];
        int[] ends = new int[n + 1];
        int[] tids = new int[n + 1];
        for (int end = n; end > 0; ) {
            int st = from[end];
            if (unkId >= 0 && tok[end] == unkId && count > 0 && tids[count - 1] == unkId && starts[count - 1] == end) {
                starts[count - 1] = st; // extend the fused unknown span leftwards
            } else {
                starts[count] = st;
                ends[count] = end;
                tids[count] = tok[end];
                count++;
            }
            end = st;
        }
        for (int k = count - 1; k >= 0; k--) {
            int id = tids[k];
            if (unkId >= 0 && id == unkId) {
                String text = s.substring(starts[k], ends[k]);
                Integer known = ids.get(text);
                if (known != null) {
                    emit(known, out, piecesOut);
                } else if (!(byteFallback && emitBytes(text, out, piecesOut))) {
                    out.add(unkId);
                    if (piecesOut != null) piecesOut.add(text);
                }
            } else {
                emit(id, out, piecesOut);
            }
        }
    }

    private void emit(int id, IntBuffer out, List<String> piecesOut) {
        out.add(id);
        if (piecesOut != null) piecesOut.add(pieces[id]);
    }

    private boolean emitBytes(String text, IntBuffer out, List<String> piecesOut) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        int[] byteIds = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            Integer id = ids.get(byteToken(bytes[i]));
            if (id == null) return false;
            byteIds[i] = id;
        }
        for (int id : byteIds) emit(id, out, piecesOut);
        return true;
    }

    static String byteToken(byte b) {
        return String.format("<0x%02X>", b & 0xFF);
    }
}
