#!/usr/bin/env python3
"""PyTorch's time for `lora4j bench vit`: the same shapes (random weights, F32, eval, no_grad).

Run:  /work/venv/bin/python tools/reference/bench_vit_torch.py --preset vit-b16 --batch 8 [--threads N] [--json]
Prints the median seconds per batch over --iterations timed passes after --warmup untimed ones.
"""
import argparse
import json
import statistics
import time

import torch
from transformers import ViTConfig, ViTForImageClassification

PRESETS = {
    "vit-b16": dict(image_size=224, patch_size=16, hidden_size=768, num_hidden_layers=12, num_attention_heads=12, intermediate_size=3072),
    "vit-s16": dict(image_size=224, patch_size=16, hidden_size=384, num_hidden_layers=12, num_attention_heads=6, intermediate_size=1536),
    "vit-ti16": dict(image_size=224, patch_size=16, hidden_size=192, num_hidden_layers=12, num_attention_heads=3, intermediate_size=768),
    "tiny": dict(image_size=32, patch_size=8, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--preset", default="vit-b16", choices=sorted(PRESETS))
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--iterations", type=int, default=3)
    ap.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: torch's default)")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    cfg = ViTConfig(num_labels=1000, **PRESETS[a.preset])
    model = ViTForImageClassification(cfg).eval()
    x = torch.randn(a.batch, 3, cfg.image_size, cfg.image_size)
    secs, cpu = [], []
    with torch.inference_mode():
        for _ in range(a.warmup):
            model(pixel_values=x)
        for _ in range(a.iterations):
            c0, t0 = time.process_time(), time.perf_counter()
            model(pixel_values=x)
            secs.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
    med = statistics.median(secs)
    r = dict(bench="vit-torch", preset=a.preset, batch=a.batch, image_size=cfg.image_size, threads=torch.get_num_threads(),
             torch=torch.__version__, attn=model.config._attn_implementation, median_s=med, images_per_s=a.batch / med, seconds=secs,
             median_cpu_s=statistics.median(cpu), cpu_seconds=cpu)
    if a.json:
        print(json.dumps(r))
    else:
        print(f"torch {torch.__version__} vit {a.preset}: batch {a.batch} at {cfg.image_size}x{cfg.image_size}, "
              f"{r['threads']} threads, attn {r['attn']}: median {med:.3f} s per batch ({a.batch / med:.1f} images/s), "
              f"process CPU {r['median_cpu_s']:.3f} s per batch; runs {[round(s, 3) for s in secs]}")


if __name__ == "__main__":
    main()
