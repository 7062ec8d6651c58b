package io.lora4j.models.t5;

import io.lora4j.engine.Backend;
import io.lora4j.engine.Tensor;
import io.lora4j.models.nn.ForwardContext;
import java.util.Arrays;

/**
 * Greedy decoding and beam search over a KV cache, following HF transformers 5.x's {@code _sample} and
 * vectorized {@code _beam_search} step by step (same candidate counts, -1e9 masking in float32, length
 * penalty and early-stopping heuristic), so outputs match token for token.
 */
final class T5Generator {
    private static final float NEG = -1.0e9f;

    private T5Generator() {}

    static GenerationResult greedy(T5ForConditionalGeneration m, Backend be, T5ForConditionalGeneration.EncoderOutput enc,
            GenerationConfig gen, ForwardContext ctx) {
        T5Config c = m.config();
        int b = enc.attentionMask().length, max = gen.maxNewTokens();
        T5KvCache cache = new T5KvCache(c, b, max);
        int[][] step = new int[b][1];
        for (int[] r : step) r[0] = c.decoderStartTokenId();
        int[][] out = new int[b][max];
        int[] len = new int[b];
        float[] score = new float[b];
        boolean[] done = new boolean[b];
        for (int t = 0; t < max; t++) {
            Tensor logits = m.decodeStep(be, step, t, enc.lastHiddenState(), enc.maskBias(), cache, ctx);
            int[] next = be.argmax(logits);
            Tensor logp = be.logSoftmax(logits);
            boolean all = true;
            for (int i = 0; i < b; i++) {
                if (done[i]) {
                    step[i][0] = c.padTokenId();
                    continue;
                }
                score[i] += logp.array()[(int) logp.offset() + i * c.vocabSize() + next[i]];
                out[i][len[i]++] = next[i];
                step[i][0] = next[i];
                if (c.isEos(next[i])) done[i] = true;
                all &= done[i];
            }
            if (all) break;
        }
        int[][] tokens = new int[b][];
        for (int i = 0; i < b; i++) tokens[i] = Arrays.copyOf(out[i], len[i]);
        return new GenerationResult(tokens, score);
    }

    static GenerationResult beam(T5ForConditionalGeneration m, Backend be, T5ForConditionalGeneration.EncoderOutput enc,
            GenerationConfig gen, ForwardContext ctx) {
        T5Config c = m.config();
        final int nb = gen.numBeams(), batch = enc.attentionMask().length, vocab = c.vocabSize();
        final int keep = 2 * nb; // HF: max(2, 1 + n_eos) * num_beams with one EOS list entry
        final int maxLength = 1 + gen.maxNewTokens();
        final float lp = gen.lengthPenalty();
        Tensor encHidden = repeatRows(enc.lastHiddenState(), nb);
        Tensor encBias = repeatRows(enc.maskBias(), nb);
        T5KvCache cache = new T5KvCache(c, batch * nb, gen.maxNewTokens());

        int[][][] running = new int[batch][nb][];
        float[][] runScore = new float[batch][nb];
        int[][][] fin = new int[batch][nb][];
        float[][] finScore = new float[batch][nb];
        boolean[][] finDone = new boolean[batch][nb];
        boolean[] unsatisfied = new boolean[batch];
        for (int i = 0; i < batch; i++) {
            unsatisfied[i] = true;
            Arrays.fill(finScore[i], NEG);
            for (int k = 0; k < nb; k++) {
                running[i][k] = new int[] {c.decoderStartTokenId()};
                fin[i][k] = running[i][k];
                runScore[i][k] = k == 0 ? 0f : NEG;
            }
        }
        int[][] step = new int[batch * nb][1];
        for (int[] r : step) r[0] = c.decoderStartTokenId();
        int curLen = 1;
        float[] acc = new float[nb * vocab];
        int[] origin = new int[batch * nb];
        while (true) {
            Tensor logits = m.decodeStep(be, step, curLen - 1, encHidden, encBias, cache, ctx);
            Tensor logp = be.logSoftmax(logits).contiguous();
            float[] lpa = logp.array();
            boolean allHit = true;
            for (int i = 0; i < batch; i++) {
                for (int k = 0; k < nb; k++) {
                    int base = (i * nb + k) * vocab;
                    for (int v = 0; v < vocab; v++) acc[k * vocab + v] = lpa[base + v] + runScore[i][k];
                }
                int[] top = topIndices(acc, keep);
                int[][] candSeq = new int[keep][];
                float[] candScore = new float[keep];
                boolean[] hit = new boolean[keep];
                int[] candBeam = new int[keep];
                for (int r = 0; r < keep; r++) {
                    int beam = top[r] / vocab, tok = top[r] % vocab;
                    candBeam[r] = beam;
                    candSeq[r] = Arrays.copyOf(running[i][beam], curLen + 1);
                    candSeq[r][curLen] = tok;
                    candScore[r] = acc[top[r]];
                    hit[r] = c.isEos(tok) || curLen + 1 >= maxLength;
                    allHit &= hit[r];
                }
                // next running beams: best num_beams candidates that did not stop
                float[] rs = new float[keep];
                for (int r = 0; r < keep; r++) rs[r] = candScore[r] + (hit[r] ? NEG : 0f);
                int[] nextRun = topIndices(rs, nb);
                // finished hypotheses: merge the old ones with candidates that stopped among the top num_beams
                float denom = (float) Math.pow(curLen, lp); // cur_len + 1 - decoder_prompt_len
                boolean full = gen.earlyStopping() == GenerationConfig.EarlyStopping.TRUE && allTrue(finDone[i]);
                float[] merged = new float[nb + keep];
                boolean[] mergedDone = new boolean[nb + keep];
                for (int k = 0; k < nb; k++) {
                    merged[k] = finScore[i][k];
                    mergedDone[k] = finDone[i][k];
                }
                for (int r = 0; r < keep; r++) {
                    boolean just = hit[r] && r < nb;
                    float s = candScore[r] / denom;
                    if (full) s += NEG;
                    if (!unsatisfied[i]) s += NEG;
                    if (!just) s += NEG;
                    merged[nb + r] = s;
                    mergedDone[nb + r] = just;
                }
                int[] bestFin = topIndices(merged, nb);
                int[][] nf = new int[nb][];
                float[] nfs = new float[nb];
                boolean[] nfd = new boolean[nb];
                for (int k = 0; k < nb; k++) {
                    int j = bestFin[k];
                    nf[k] = j < nb ? fin[i][j] : candSeq[j - nb];
                    nfs[k] = merged[j];
                    nfd[k] = mergedDone[j];
                }
                fin[i] = nf;
                finScore[i] = nfs;
                finDone[i] = nfd;
                for (int k = 0; k < nb; k++) {
                    int r = nextRun[k];
                    running[i][k] = candSeq[r];
                    runScore[i][k] = rs[r];
                    origin[i * nb + k] = i * nb + candBeam[r];
                    step[i * nb + k][0] = candSeq[r][curLen];
                }
            }
            cache.reorderSelf(origin, curLen);
            curLen++;
            boolean anyUnsatisfied = false, everyDone = true;
            for (int i = 0; i < batch; i++) {
                int bestLen = gen.earlyStopping() == GenerationConfig.EarlyStopping.NEVER && lp > 0 ? maxLength - 1 : curLen - 1;
                float best = runScore[i][0] / (float) Math.pow(bestLen, lp);
                float worst = Float.POSITIVE_INFINITY;
                for (float s : finScore[i]) worst = Math.min(worst, s);
                boolean improvable = false;
                for (int k = 0; k < nb; k++) improvable |= best > (finDone[i][k] ? worst : NEG);
                unsatisfied[i] &= improvable;
                anyUnsatisfied |= unsatisfied[i];
                everyDone &= allTrue(finDone[i]);
            }
            boolean openBeam = !(everyDone && gen.earlyStopping() == GenerationConfig.EarlyStopping.TRUE);
            if (!(anyUnsatisfied && openBeam && !allHit)) break;
        }
        int[][] tokens = new int[batch][];
        float[] scores = new float[batch];
        for (int i = 0; i < batch; i++) {
            tokens[i] = Arrays.copyOfRange(fin[i][0], 1, fin[i][0].length);
            scores[i] = finScore[i][0];
        }
        return new GenerationResult(tokens, scores);
    }

    private static boolean allTrue(boolean[] a) {
        for (boolean x : a) if (!x) return false;
        return true;
    }

    /** Indices of the k largest values, descending; ties: lower index first. */
    static int[] topIndices(float[] v, int k) {
        int[] idx = new int[k];
        float[] val = new float[k];
        int n = 0;
        for (int j = 0; j < v.length; j++) {
            float x = v[j];
            if (n == k && !(x > val[k - 1])) continue;
            int p = n < k ? n++ : k - 1;
            while (p > 0 && x > val[p - 1]) {
                val[p] = val[p - 1];
                idx[p] = idx[p - 1];
                p--;
            }
            val[p] = x;
            idx[p] = j;
        }
        return idx;
    }

    /** Each row of x [B, ...] repeated k times in place: [B·k, ...] (HF's expand for beams). */
    static Tensor repeatRows(Tensor x, int k) {
        float[] src = x.contiguous().array();
        int rows = x.dim(0), row = x.numel() / rows;
        float[] out = new float[src.length * k];
        for (int r = 0; r < rows; r++) for (int j = 0; j < k; j++) System.arraycopy(src, r * row, out, (r * k + j) * row, row);
        int[] shape = x.shape();
        shape[0] = rows * k;
        return Tensor.of(out, shape);
    }
}
