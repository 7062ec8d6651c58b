#!/usr/bin/env python3
"""HF tokenizers' encoding throughput on the input `lora4j bench tokenizer` uses (one line per encode call,
one thread). Usage: bench_tokenizer_hf.py MODEL_DIR [FILE(.txt|.jsonl)] [REPS]"""
import json
import sys
import time

import tokenizers

SAMPLE = [
    "translate English to German: The house is wonderful.",
    "summarize: studies have shown that owning a dog is good for you and your family.",
    "question: What is the capital of France? context: Paris is the capital and largest city of France.",
    "Le café est très bon, naïve façade à Zürich et São Paulo.",
    "ＡＢＣ　ｘｙｚ　１２３ ﬁnance ①②③ 👍🏽 日本語のテキスト",
    "The <extra_id_0> walks in <extra_id_1> park",
]


def main():
    model = sys.argv[1]
    path = sys.argv[2] if len(sys.argv) > 2 else None
    reps = int(sys.argv[3]) if len(sys.argv) > 3 else 50
    if path is None:
        lines = SAMPLE * 100
    elif path.endswith(".jsonl"):
        lines = [json.loads(l)["text"] for l in open(path, encoding="utf-8") if l.strip()]
    else:
        lines = open(path, encoding="utf-8").read().splitlines()
    tok = tokenizers.Tokenizer.from_file(model.rstrip("/") + "/tokenizer.json")
    for _ in range(5):
        for s in lines:
            tok.encode(s)
    w0, c0, n = time.perf_counter(), time.process_time(), 0
    for _ in range(reps):
        for s in lines:
            n += len(tok.encode(s).ids)
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    k = len(lines) * reps
    print(f"tokenizers {tokenizers.__version__}: {len(lines)} lines x {reps} reps, {n} tokens")
    print(f"wall {wall:.3f} s: {k / wall:.0f} lines/s, {n / wall:.0f} tokens/s")
    print(f"cpu  {cpu:.3f} s: {k / cpu:.0f} lines/s, {n / cpu:.0f} tokens/s")


if __name__ == "__main__":
    main()
