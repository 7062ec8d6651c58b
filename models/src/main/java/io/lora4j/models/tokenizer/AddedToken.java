package io.lora4j.models.tokenizer;

/**
 * An entry of {@code added_tokens} in HF {@code tokenizer.json} (or a control/user-defined piece of
 * {@code spiece.model}). Tokens with {@code normalized == false} are matched in the raw text before
 * normalization, the others in the normalized text. {@code special} tokens are dropped by
 * {@code decode(ids, true)}.
 */
public record AddedToken(int id, String content, boolean special, boolean normalized,
                         boolean lstrip, boolean rstrip, boolean singleWord) {
    /** A special token matched in the raw text, with no stripping: how T5 declares its tokens. */
    public static AddedToken special(int id, String content) {
        return new AddedToken(id, content, true, false, false, false, false);
    }
}
