#!/usr/bin/env python3
"""The LoRAHub reference loop (sail-sg/lorahub's per-evaluation work) on random weights, timed, to compare with
`lora4j bench lorahub` on the same machine and shapes.

Per evaluation, as lorahub.algorithm does: get_final_weights (Σ wᵢ·state_dictᵢ over the LoRA tensors),
set_peft_model_state_dict, then default_get_loss (one no-grad forward with labels; loss / #examples) +
get_regular (0.05·mean|w|). The search is pycma (`cma`, the paper's CMA-ES; nevergrad is not installed) with
bounds ±1.5, sigma 0.5, start 0, maxfevals = budget.

  /work/venv/bin/python tools/reference/lorahub_loop.py --preset flan-t5-small --modules 20 --budget 40 \
      --examples 5 --input-tokens 128 --target-tokens 8 --threads 2
"""
import argparse
import json
import time

import torch

PRESETS = {
    "flan-t5-large": dict(d_model=1024, d_kv=64, num_heads=16, d_ff=2816, num_layers=24),
    "flan-t5-base": dict(d_model=768, d_kv=64, num_heads=12, d_ff=2048, num_layers=12),
    "flan-t5-small": dict(d_model=512, d_kv=64, num_heads=6, d_ff=1024, num_layers=8),
    "tiny": dict(d_model=64, d_kv=16, num_heads=4, d_ff=128, num_layers=2, vocab_size=512),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--preset", default="flan-t5-large")
    ap.add_argument("--modules", type=int, default=20)
    ap.add_argument("--budget", type=int, default=40)
    ap.add_argument("--examples", type=int, default=5)
    ap.add_argument("--input-tokens", type=int, default=128)
    ap.add_argument("--target-tokens", type=int, default=8)
    ap.add_argument("--rank", type=int, default=16)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    import cma
    from peft import LoraConfig, get_peft_model, get_peft_model_state_dict, set_peft_model_state_dict
    from transformers import T5Config, T5ForConditionalGeneration
    if not hasattr(T5ForConditionalGeneration, "_prepare_encoder_decoder_kwargs_for_generation"):
        T5ForConditionalGeneration._prepare_encoder_decoder_kwargs_for_generation = \
            T5ForConditionalGeneration._prepare_text_encoder_decoder_kwargs_for_generation
    t0 = time.time()
    torch.manual_seed(a.seed)
    kw = dict(vocab_size=32128)
    kw.update(PRESETS[a.preset])
    cfg = T5Config(feed_forward_proj="gated-gelu", tie_word_embeddings=False, decoder_start_token_id=0, dropout_rate=0.0, **kw)
    model = T5ForConditionalGeneration(cfg).eval()
    model = get_peft_model(model, LoraConfig(task_type="SEQ_2_SEQ_LM", r=a.rank, lora_alpha=2 * a.rank, lora_dropout=0.0,
                                             target_modules=["q", "v"])).eval()
    keys = list(get_peft_model_state_dict(model).keys())
    shapes = {k: v.shape for k, v in get_peft_model_state_dict(model).items()}
    g = torch.Generator().manual_seed(a.seed + 7)
    pool = [{k: torch.randn(shapes[k], generator=g) * 0.02 for k in keys} for _ in range(a.modules)]
    V = cfg.vocab_size
    ids = torch.randint(2, V, (a.examples, a.input_tokens), generator=g)
    ids[:, -1] = 1
    labels = torch.randint(2, V, (a.examples, a.target_tokens), generator=g)
    labels[:, -1] = 1
    mask = torch.ones_like(ids)
    setup = time.time() - t0

    def score(w):
        final = {}
        for i, sd in enumerate(pool):  # lorahub.algorithm.get_final_weights
            for k in keys:
                final[k] = w[i] * sd[k] if i == 0 else final[k] + w[i] * sd[k]
        set_peft_model_state_dict(model, final)
        with torch.no_grad():
            loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss.float()
        return float(loss) / a.examples + 0.05 * sum(abs(x) for x in w) / len(w)

    t1 = time.time()
    n = 0
    best = float("inf")
    es = cma.CMAEvolutionStrategy([0.0] * a.modules, 0.5, {"bounds": [-1.5, 1.5], "maxfevals": a.budget, "seed": a.seed + 1,
                                                             "verbose": -9})
    while not es.stop() and n < a.budget:
        xs = es.ask()
        xs = xs[: a.budget - n]
        vals = [score(list(x)) for x in xs]
        n += len(xs)
        best = min(best, min(vals))
        if len(xs) == es.popsize:
            es.tell(xs, vals)
        else:
            break
    secs = time.time() - t1
    print(json.dumps({"bench": "lorahub_loop.py", "preset": a.preset, "modules": a.modules, "rank": a.rank, "examples": a.examples,
                      "input_tokens": a.input_tokens, "target_tokens": a.target_tokens, "optimizer": "pycma", "evaluations": n,
                      "threads": torch.get_num_threads(), "torch": torch.__version__, "setup_seconds": setup, "search_seconds": secs,
                      "seconds_per_evaluation": secs / n, "best_score": best}))


if __name__ == "__main__":
    main()
