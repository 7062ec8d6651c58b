package io.lora4j.models.tokenizer;

import java.util.List;

/** The result of encoding one text: ids and the matching token strings (pieces), as HF's {@code Encoding}. */
public record Encoding(int[] ids, List<String> tokens) {
    public Encoding {
        ids = ids.clone();
        tokens = List.copyOf(tokens);
    }

    @Override
    public int[] ids() {
        return ids.clone();
    }

    public int length() {
        return ids.length;
    }
}
