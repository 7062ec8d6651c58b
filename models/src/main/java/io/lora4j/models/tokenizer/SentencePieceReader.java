package io.lora4j.models.tokenizer;

import io.lora4j.engine.BadInputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a SentencePiece {@code spiece.model} (a {@code ModelProto} protobuf, parsed by hand) and builds the
 * tokenizer transformers' {@code T5TokenizerFast} converts it to: the pieces and scores plus
 * {@code <extra_id_99>..<extra_id_0>}, the precompiled normalization map, WhitespaceSplit + Metaspace
 * (always prepend), {@code </s>} appended, control pieces and {@code <pad>}/{@code </s>}/{@code <unk>}
 * as special tokens, user-defined pieces as added tokens; no byte fallback (transformers never enables it for T5).
 */
final class SentencePieceReader {
    static final int EXTRA_IDS = 100;
    // SentencePiece.Type
    static final int NORMAL = 1, UNKNOWN = 2, CONTROL = 3, USER_DEFINED = 4, UNUSED = 5, BYTE = 6;

    /** What the protobuf holds that the tokenizer needs. */
    record Spm(List<String> pieces, List<Float> scores, List<Integer> types, int modelType, int unkId,
               boolean byteFallback, byte[] charsmap, String normalizerName) {}

    private SentencePieceReader() {}

    static T5Tokenizer read(Path file) {
        byte[] data;
        try {
            data = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return build(parse(data, file.toString()), file.toString());
    }

    static T5Tokenizer build(Spm spm, String src) {
        if (spm.modelType() != 1) {
            throw new BadInputException(src + ": field 'trainer_spec.model_type' is " + spm.modelType()
                    + ", expected 1 (UNIGRAM); lora4j reads Unigram SentencePiece models, which T5 uses");
        }
        if (spm.pieces().isEmpty()) throw new BadInputException(src + ": field 'pieces': the model has no pieces");
        List<String> pieces = new ArrayList<>(spm.pieces());
        double[] scores0 = new double[pieces.size() + EXTRA_IDS + 3];
        for (int i = 0; i < pieces.size(); i++) scores0[i] = spm.scores().get(i);
        for (int i = EXTRA_IDS - 1; i >= 0; i--) pieces.add("<extra_id_" + i + ">"); // score 0.0
        List<AddedToken> added = new ArrayList<>();
        for (String special : List.of("<pad>", "</s>", "<unk>")) {
            int id = pieces.indexOf(special);
            if (id < 0) {
                id = pieces.size();
                pieces.add(special);
            }
            added.add(AddedToken.special(id, special));
        }
        for (int i = 0; i < spm.pieces().size(); i++) {
            int t = spm.types().get(i);
            String p = spm.pieces().get(i);
            if ((t == CONTROL || t == USER_DEFINED) && added.stream().noneMatch(a -> a.content().equals(p))) {
                added.add(new AddedToken(i, p, t == CONTROL, false, false, false, false));
            }
        }
        for (int i = 0; i < EXTRA_IDS; i++) {
            String p = "<extra_id_" + i + ">";
            added.add(AddedToken.special(pieces.indexOf(p), p));
        }
        double[] scores = java.util.Arrays.copyOf(scores0, pieces.size());
        if (spm.unkId() < 0 || spm.unkId() >= spm.pieces().size()) {
            throw new BadInputException(src + ": field 'trainer_spec.unk_id' is " + spm.unkId() + ", outside the " + spm.pieces().size() + " pieces");
        }
        // transformers' T5 conversion (4.x and 5) never turns byte fallback on, whatever the trainer spec says
        UnigramModel model = new UnigramModel(pieces, scores, spm.unkId(), false, src);
        Normalizer normalizer = spm.charsmap() == null || spm.charsmap().length == 0 ? null
                : PrecompiledCharsmap.parse(spm.charsmap(), src + ": field 'normalizer_spec.precompiled_charsmap'");
        PreTokenizer pre = PreTokenizer.sequence(List.of(PreTokenizer.whitespaceSplit(),
                PreTokenizer.metaspace('\u2581', PreTokenizer.PrependScheme.ALWAYS, true)));
        Decoder decoder = Decoder.metaspace('\u2581', PreTokenizer.PrependScheme.ALWAYS);
        int eos = added.get(1).id();
        List<int[]> template = new ArrayList<>();
        template.add(null);
        template.add(new int[] {eos});
        return new T5Tokenizer(src, model, normalizer, pre, decoder, template, added);
    }

    /** Parses the fields of {@code ModelProto} the tokenizer needs; other fields are skipped. */
    static Spm parse(byte[] data, String src) {
        List<String> pieces = new ArrayList<>();
        List<Float> scores = new ArrayList<>();
        List<Integer> types = new ArrayList<>();
        int[] modelType = {1}, unkId = {0};
        boolean[] byteFallback = {false};
        byte[][] charsmap = {null};
        String[] normName = {null};
        Reader r = new Reader(data, 0, data.length, src, "ModelProto");
        while (r.more()) {
            int key = r.varint32();
            int field = key >>> 3, wire = key & 7;
            if (field == 1 && wire == 2) { // repeated SentencePiece pieces
                Reader p = r.sub("pieces[" + pieces.size() + "]");
                String piece = null;
                float score = 0f;
                int type = NORMAL;
                while (p.more()) {
                    int k = p.varint32();
                    int f = k >>> 3, w = k & 7;
                    if (f == 1 && w == 2) piece = p.string();
                    else if (f == 2 && w == 5) score = p.float32();
                    else if (f == 3 && w == 0) type = (int) p.varint();
                    else p.skip(w);
                }
                if (piece == null) throw new BadInputException(src + ": field 'pieces[" + pieces.size() + "].piece' is missing");
                pieces.add(piece);
                scores.add(score);
                types.add(type);
            } else if (field == 2 && wire == 2) { // TrainerSpec
                Reader t = r.sub("trainer_spec");
                while (t.more()) {
                    int k = t.varint32();
                    int f = k >>> 3, w = k & 7;
                    if (f == 3 && w == 0) modelType[0] = (int) t.varint();
                    else if (f == 40 && w == 0) unkId[0] = (int) t.varint();
                    else if (f == 35 && w == 0) byteFallback[0] = t.varint() != 0;
                    else t.skip(w);
                }
            } else if (field == 3 && wire == 2) { // NormalizerSpec
                Reader n = r.sub("normalizer_spec");
                while (n.more()) {
                    int k = n.varint32();
                    int f = k >>> 3, w = k & 7;
                    if (f == 1 && w == 2) normName[0] = n.string();
                    else if (f == 2 && w == 2) charsmap[0] = n.bytes();
                    else n.skip(w);
                }
            } else {
                r.skip(wire);
            }
        }
        return new Spm(pieces, scores, types, modelType[0], unkId[0], byteFallback[0], charsmap[0], normName[0]);
    }

    /** A protobuf wire-format reader over data[pos, end). */
    private static final class Reader {
        private final byte[] d;
        private int pos;
        private final int end;
        private final String src, where;

        Reader(byte[] d, int pos, int end, String src, String where) {
            this.d = d;
            this.pos = pos;
            this.end = end;
            this.src = src;
            this.where = where;
        }

        boolean more() {
            return pos < end;
        }

        private BadInputException corrupt(String what) {
            return new BadInputException(src + ": not a valid SentencePiece model: " + what + " in " + where + " at byte " + pos);
        }

        long varint() {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (pos >= end) throw corrupt("truncated varint");
                byte b = d[pos++];
                v |= (long) (b & 0x7F) << shift;
                if (b >= 0) return v;
            }
            throw corrupt("varint longer than 10 bytes");
        }

        int varint32() {
            long v = varint();
            if (v < 0 || v > Integer.MAX_VALUE) throw corrupt("field key " + v + " out of range");
            return (int) v;
        }

        private int length() {
            long n = varint();
            if (n < 0 || n > end - pos) throw corrupt("length " + n + " past the end of the message");
            return (int) n;
        }

        Reader sub(String name) {
            int n = length();
            Reader r = new Reader(d, pos, pos + n, src, name);
            pos += n;
            return r;
        }

        byte[] bytes() {
            int n = length();
            byte[] b = java.util.Arrays.copyOfRange(d, pos, pos + n);
            pos += n;
            return b;
        }

        String string() {
            byte[] b = bytes();
            try {
                return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(b)).toString();
            } catch (CharacterCodingException e) {
                throw corrupt("invalid UTF-8 string");
            }
        }

        float float32() {
            if (end - pos < 4) throw corrupt("truncated float");
            float f = ByteBuffer.wrap(d, pos, 4).order(ByteOrder.LITTLE_ENDIAN).getFloat();
            pos += 4;
            return f;
        }

        void skip(int wire) {
            switch (wire) {
                case 0 -> varint();
                case 1 -> {
                    if (end - pos < 8) throw corrupt("truncated fixed64");
                    pos += 8;
                }
                case 2 -> {
                    int n = length();
                    pos += n;
                }
                case 5 -> {
                    if (end - pos < 4) throw corrupt("truncated fixed32");
                    pos += 4;
                }
                default -> throw corrupt("unsupported wire type " + wire);
            }
        }
    }
}
