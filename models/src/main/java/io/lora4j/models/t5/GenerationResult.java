package io.lora4j.models.t5;

/**
 * Generated tokens per input row: what follows the decoder start token, up to and including the EOS token
 * (absent when max_new_tokens ran out). {@code scores}: the length-penalized beam score of each row's best
 * hypothesis (HF's sequences_scores), or the sum of token log-probabilities for greedy.
 */
public record GenerationResult(int[][] tokens, float[] scores) {}
