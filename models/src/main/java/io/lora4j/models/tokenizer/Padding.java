package io.lora4j.models.tokenizer;

/** Padding strategy of {@link T5Tokenizer#encodeBatch}, as HF's {@code padding=} argument. */
public enum Padding {
    /** No padding: rows keep their lengths. */
    NONE,
    /** Pad every row to the longest row of the batch (HF {@code padding=True}). */
    LONGEST,
    /** Pad every row to {@code maxLength} (HF {@code padding="max_length"}). */
    MAX_LENGTH
}
