package io.lora4j.models.tokenizer;

/**
 * Which Python behaviour a {@code tokenizer.json} is read to match. The two differ only for files whose
 * normalizer / pre-tokenizer sections are not the ones transformers 5 writes itself (e.g. the
 * {@code Precompiled + Replace(" {2,}")} / bare {@code Metaspace} layout of many T5 files on the Hub).
 */
public enum Pipeline {
    /**
     * The file as written: what the {@code tokenizers} library ({@code Tokenizer.from_file}) and
     * transformers 4.x's {@code T5TokenizerFast} do. The default.
     */
    FILE,
    /**
     * What transformers 5's {@code T5Tokenizer} (AutoTokenizer) does: keep the vocabulary, added tokens and
     * the {@code Precompiled} charsmap of the file, and rebuild the rest as {@code WhitespaceSplit} +
     * {@code Metaspace(always)}, Metaspace decoder, {@code $A </s>}, no byte fallback.
     */
    TRANSFORMERS
}
