#!/usr/bin/env python3
"""PyTorch side of `lora4j bench t5`: the same workloads on a random-weight T5 of a FLAN-T5 shape (no download).

    /work/venv/bin/python tools/reference/bench_t5_torch.py --preset flan-t5-large --threads 2 [--dtype bf16]

Loss pass: 5 examples x 128 input tokens x 8 target tokens, model(input_ids, attention_mask, labels).loss under
torch.no_grad. Greedy: batch 1, 128 input tokens, generate(max_new_tokens=32, min_new_tokens=32, num_beams=1).
Prints medians of --iterations runs after --warmup runs, as the Java bench does.
"""
import argparse
import json
import resource
import statistics
import time

import torch
from transformers import T5Config, T5ForConditionalGeneration

PRESETS = {
    "flan-t5-large": dict(d_model=1024, d_kv=64, num_heads=16, d_ff=2816, num_layers=24),
    "flan-t5-base": dict(d_model=768, d_kv=64, num_heads=12, d_ff=2048, num_layers=12),
    "flan-t5-small": dict(d_model=512, d_kv=64, num_heads=6, d_ff=1024, num_layers=8),
    "tiny": dict(d_model=64, d_kv=16, num_heads=4, d_ff=128, num_layers=2, vocab_size=512),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--preset", default="flan-t5-large", choices=PRESETS)
    ap.add_argument("--dtype", default="f32", choices=["f32", "bf16"])
    ap.add_argument("--threads", type=int, default=torch.get_num_threads())
    ap.add_argument("--iterations", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--what", default="all", choices=["all", "loss", "greedy"])
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    kw = dict(vocab_size=32128, feed_forward_proj="gated-gelu", tie_word_embeddings=False, decoder_start_token_id=0)
    kw.update(PRESETS[a.preset])
    t0 = time.perf_counter()
    model = T5ForConditionalGeneration(T5Config(**kw)).eval()
    if a.dtype == "bf16":
        model = model.to(torch.bfloat16)
    build = time.perf_counter() - t0
    v = kw["vocab_size"]
    g = torch.Generator().manual_seed(1)
    ids = torch.randint(2, v, (5, 128), generator=g)
    labels = torch.randint(2, v, (5, 8), generator=g)
    gen_in = torch.randint(2, v, (1, 128), generator=g)
    res = {"bench": "t5-torch", "preset": a.preset, "dtype": a.dtype, "threads": a.threads, "torch": torch.__version__,
           "build_s": build}
    with torch.no_grad():
        if a.what != "greedy":
            times = []
            for i in range(a.warmup + a.iterations):
                s = time.perf_counter()
                loss = model(input_ids=ids, attention_mask=torch.ones_like(ids), labels=labels).loss
                if i >= a.warmup:
                    times.append(time.perf_counter() - s)
            res.update(loss_pass_median_s=statistics.median(times), loss_pass_s=times, loss_value=float(loss))
            print(f"torch {a.preset} {a.dtype}, {a.threads} threads: loss pass (5x128 in, 8 out) median "
                  f"{statistics.median(times):.3f} s; runs {[round(t, 3) for t in times]}", flush=True)
        if a.what != "loss":
            times = []
            for i in range(a.warmup + a.iterations):
                s = time.perf_counter()
                out = model.generate(input_ids=gen_in, max_new_tokens=32, min_new_tokens=32, num_beams=1, do_sample=False)
                if i >= a.warmup:
                    times.append(time.perf_counter() - s)
            n = out.shape[1] - 1
            med = statistics.median(times)
            enc = []  # the encoder pass alone, as lora4j's bench reports it (generate runs it once per call)
            for i in range(a.iterations):
                s = time.perf_counter()
                model.get_encoder()(input_ids=gen_in, attention_mask=torch.ones_like(gen_in))
                enc.append(time.perf_counter() - s)
            enc_med = statistics.median(enc)
            decode_rate = n / max(1e-9, med - enc_med)
            res.update(greedy_median_s=med, greedy_s=times, greedy_tokens=n, greedy_tokens_per_s=n / med,
                       encoder_median_s=enc_med, decode_tokens_per_s=decode_rate)
            print(f"torch {a.preset} {a.dtype}: greedy (1x128 in, {n} new tokens) median {med:.3f} s = {n / med:.1f} tokens/s "
                  f"incl. encoder (encoder {enc_med:.3f} s; decoding alone {decode_rate:.1f} tokens/s); "
                  f"runs {[round(t, 3) for t in times]}", flush=True)
    res["peak_rss_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps(res))


if __name__ == "__main__":
    main()
