#!/usr/bin/env python3
"""PyTorch's figures for the shapes of `lora4j bench gemm`, measured the same way (dev-only reference).

    /work/venv/bin/python tools/reference/bench_torch_gemm.py [--threads N] [--reps 7] [--json]

For each (M, N, K): y = torch.nn.functional.linear(x, W) with x [M, K] F32 and W [N, K], timed as
lora4j times Backend.linear: warmup (>= 3 calls and >= 1.5 s), then single timed calls, at least
--reps of them and at least 0.5 s in all. Prints best and median GFLOP/s (2·M·N·K / s) and GFLOP per CPU
second of the process (time.process_time(): all threads; robust to neighbours on shared cores).

Weight dtypes:
  F32   x F32, W F32 (the same computation as lora4j's F32 entry).
  BF16  x and W bf16 (torch has no F32×BF16 linear; this is its bf16 GEMM, bf16 output, using
        AVX512-BF16/oneDNN where the CPU has it) -- a different computation from lora4j's BF16
        entry (F32 activations, BF16 weights widened to F32, F32 output); shown for reference.
Also the read bandwidth of a large F32 array sum (torch.sum), as lora4j reports it.
"""
import argparse
import json
import statistics
import time

import torch

SHAPES = [(640, 1024, 1024), (640, 2816, 1024), (640, 1024, 2816), (1024, 1024, 1024), (2048, 2048, 2048),
          (1, 1024, 1024), (1, 32128, 1024)]


def timed(fn, reps, warmup=3, warmup_s=1.5, min_s=0.5):
    """Warmup, then single calls: >= reps and >= min_s in all. Returns (best, median, cpu s per call)."""
    t0 = time.perf_counter()
    i = 0
    while i < warmup or time.perf_counter() - t0 < warmup_s:
        fn()
        i += 1
    per = []
    cpu0 = time.process_time()
    start = time.perf_counter()
    while len(per) < reps or time.perf_counter() - start < min_s:
        t = time.perf_counter()
        fn()
        per.append(time.perf_counter() - t)
    cpu = (time.process_time() - cpu0) / len(per)
    return min(per), statistics.median(per), cpu


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--bandwidth-mb", type=int, default=256)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(42)
    out = []
    with torch.inference_mode():
        for (m, n, k) in SHAPES:
            x = torch.rand(m, k) * 2 - 1
            w = torch.rand(n, k) * 2 - 1
            for dt in ("F32", "BF16"):
                xx, ww = (x, w) if dt == "F32" else (x.bfloat16(), w.bfloat16())
                best, med, cpu = timed(lambda: torch.nn.functional.linear(xx, ww), a.reps)
                fl = 2.0 * m * n * k
                e = dict(bench="gemm", backend="torch", threads=a.threads, m=m, n=n, k=k, weights_dtype=dt,
                         gflops=fl / med / 1e9, gflops_best=fl / best / 1e9, gflops_per_cpu_s=fl / cpu / 1e9,
                         ms_median=med * 1e3)
                out.append(e)
                if not a.json:
                    print("M=%5d N=%6d K=%5d %-4s  best %6.1f  median %6.1f GFLOP/s  %6.1f GFLOP/cpu-s  (%.3f ms)"
                          % (m, n, k, dt, e["gflops_best"], e["gflops"], e["gflops_per_cpu_s"], med * 1e3), flush=True)
        if a.bandwidth_mb > 0:
            big = torch.ones(a.bandwidth_mb * (1 << 20) // 4)
            best, med, _ = timed(lambda: big.sum(), a.reps, warmup_s=0.2)
            nbytes = big.numel() * 4
            out.append(dict(bench="read_bandwidth", backend="torch", threads=a.threads, gbps=nbytes / med / 1e9,
                            gbps_best=nbytes / best / 1e9))
            if not a.json:
                print("read bandwidth (torch.sum of a %d MB float array, %d threads): best %.1f GB/s, median %.1f GB/s"
                      % (a.bandwidth_mb, a.threads, nbytes / best / 1e9, nbytes / med / 1e9))
    if a.json:
        print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
