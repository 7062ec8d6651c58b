package io.lora4j.models.tokenizer;

/** One step of text normalization (a {@code normalizer} of HF {@code tokenizer.json}). Stateless. */
@FunctionalInterface
public interface Normalizer {
    String normalize(String text);

    /**
     * True if normalizing {@code text} removes its first character, so that the normalized text no longer
     * starts at offset 0 of the original (what Metaspace's {@code prepend_scheme: first} looks at).
     */
    default boolean removesFirstChar(String text) {
        return false;
    }
}
