package io.lora4j.models.t5;

import io.lora4j.engine.BadInputException;

/**
 * Decoding settings, named and defaulted as HF's GenerationConfig: greedy when {@code numBeams} = 1, else beam
 * search scored by sum of log-probabilities / generated_length^{@code lengthPenalty}.
 *
 * @param earlyStopping HF's early_stopping: TRUE stops a row once num_beams hypotheses are finished; FALSE
 *     stops when no running beam can beat the worst finished one at the current length (HF's heuristic);
 *     NEVER uses the maximal length in that test when length_penalty > 0
 */
public record GenerationConfig(int maxNewTokens, int numBeams, float lengthPenalty, EarlyStopping earlyStopping) {

    public enum EarlyStopping { TRUE, FALSE, NEVER }

    public GenerationConfig {
        if (maxNewTokens < 1) throw new BadInputException("max_new_tokens must be at least 1, got " + maxNewTokens);
        if (numBeams < 1) throw new BadInputException("num_beams must be at least 1, got " + numBeams);
        if (!Float.isFinite(lengthPenalty)) throw new BadInputException("length_penalty must be finite");
        if (earlyStopping == null) throw new BadInputException("early_stopping must be set");
    }

    /** Greedy decoding of up to {@code maxNewTokens} tokens. */
    public static GenerationConfig greedy(int maxNewTokens) {
        return new GenerationConfig(maxNewTokens, 1, 1.0f, EarlyStopping.FALSE);
    }

    /** Beam search with HF's defaults (length_penalty 1.0, early_stopping False). */
    public static GenerationConfig beam(int numBeams, int maxNewTokens) {
        return new GenerationConfig(maxNewTokens, numBeams, 1.0f, EarlyStopping.FALSE);
    }
}
