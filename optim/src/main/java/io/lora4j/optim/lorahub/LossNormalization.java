package io.lora4j.optim.lorahub;

import io.lora4j.engine.BadInputException;
import java.util.Locale;

/** How the few-shot cross-entropy is aggregated (METHODS.md §1, ADAPT). */
public enum LossNormalization {
    /** The reference code's: the token-mean CE of each batch, summed over batches, divided by the number of examples. */
    REFERENCE,
    /** The token-mean CE over all label tokens of all examples. */
    TOKEN_MEAN;

    public static LossNormalization parse(String s) {
        return switch (s.toLowerCase(Locale.ROOT).replace('_', '-')) {
            case "reference", "sum-batches-over-n" -> REFERENCE;
            case "token-mean", "mean" -> TOKEN_MEAN;
            default -> throw new BadInputException("loss normalization must be 'reference' or 'token-mean', got '" + s + "'");
        };
    }
}
