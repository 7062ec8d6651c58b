#!/usr/bin/env python3
"""Builds the embedded default of `lora4j demo` (tools/src/main/resources/io/lora4j/tools/demo/):

- a tiny random T5 (seeded; d_model 64, 2+2 layers, FLAN-T5 layout: gated-GELU, untied head) and a small
  Unigram tokenizer over a 30-word vocabulary;
- a pool of 6 LoRA modules (PEFT format, r 4, alpha 8, q and v), each trained here for a few dozen Adam
  steps on one synthetic upstream task "does the input contain word X?", answered with a task-specific
  pair of words (cat -> yes/no, dog -> one/two, bird -> red/blue, fish -> big/small, tree -> first/last,
  old -> plus/minus);
- the planted target: weights w* (mostly on the 'bird' module) and input sentences. The Java demo composes
  the modules with w* (LoRAHub composition), labels the sentences by greedy decoding of that planted
  model, learns w from 5 of them and reports exact match on the others.

Run: /work/venv/bin/python tools/reference/lora_demo.py   (minutes on a loaded 2-core machine)
"""
import json
import os
import random
import shutil
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lora_fixtures as L  # noqa: E402  (tokenizer and FLAN-style save helpers)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "tools", "src", "main", "resources", "io", "lora4j", "tools", "demo")
TASKS = [("cat", "yes", "no"), ("dog", "one", "two"), ("bird", "red", "blue"), ("fish", "big", "small"),
         ("tree", "first", "last"), ("old", "plus", "minus")]
PLANTED = [0.0, 0.0, 1.1, 0.0, 0.35, 0.0]
WORDS = L.WORDS[:30]
STEPS = 60
torch.set_num_threads(1)


def base_model():
    from transformers import T5Config, T5ForConditionalGeneration
    L.base_model()  # applies the peft/transformers-5 compatibility patch
    torch.manual_seed(0)
    cfg = T5Config(vocab_size=128, d_model=64, d_kv=16, num_heads=4, d_ff=128, num_layers=2, num_decoder_layers=2,
                   feed_forward_proj="gated-gelu", tie_word_embeddings=False, relative_attention_num_buckets=8,
                   relative_attention_max_distance=20, dropout_rate=0.0, decoder_start_token_id=0, pad_token_id=0,
                   eos_token_id=1)
    m = T5ForConditionalGeneration(cfg)
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        m.lm_head.weight = torch.nn.Parameter(torch.randn(128, 64, generator=g))
    for p in m.parameters():
        p.requires_grad_(False)
    return m.eval()


def main():
    from peft import LoraConfig, get_peft_model
    from tokenizers import Tokenizer
    if os.path.exists(OUT):
        shutil.rmtree(OUT)
    mdir = os.path.join(OUT, "model")
    L.save_base(base_model(), mdir)
    L.make_tokenizer(os.path.join(mdir, "tokenizer.json"))
    tok = Tokenizer.from_file(os.path.join(mdir, "tokenizer.json"))
    rnd = random.Random(0)

    def sample(n):
        return [" ".join(rnd.choice(WORDS) for _ in range(rnd.randint(3, 6))) for _ in range(n)]

    def enc(texts, labels=False):
        e = [tok.encode(t).ids for t in texts]
        n = max(map(len, e))
        ids = torch.tensor([x + [-100 if labels else 0] * (n - len(x)) for x in e])
        return ids, torch.tensor([[1] * len(x) + [0] * (n - len(x)) for x in e])

    for k, (word, yes, no) in enumerate(TASKS):
        t0 = time.time()
        pm = get_peft_model(base_model(), LoraConfig(r=4, lora_alpha=8, target_modules=["q", "v"], lora_dropout=0.0,
                                                     task_type="SEQ_2_SEQ_LM"))
        opt = torch.optim.Adam([p for p in pm.parameters() if p.requires_grad], lr=0.01)
        pm.train()
        for step in range(STEPS):
            xs = sample(32)
            xs = [x if i % 2 else " ".join(rnd.sample((x + " " + word).split(), len(x.split()) + 1)) for i, x in enumerate(xs)]
            ids, mask = enc(xs)
            lab, _ = enc([yes if word in x.split() else no for x in xs], True)
            loss = pm(input_ids=ids, attention_mask=mask, labels=lab).loss
            opt.zero_grad()
            loss.backward()
            opt.step()
        pm.eval()
        d = os.path.join(OUT, "modules", f"{word}_{yes}_{no}")
        pm.save_pretrained(d)
        os.remove(os.path.join(d, "README.md"))
        cfgp = os.path.join(d, "adapter_config.json")
        c = json.load(open(cfgp))
        c["base_model_name_or_path"] = "lora4j-demo-t5"
        json.dump(c, open(cfgp, "w"), indent=1)
        print(f"module {word}: final loss {loss.item():.4f} ({time.time() - t0:.0f} s)", flush=True)

    # sentences: half contain the planted task's word ('bird'), shuffled; the first 5 are the few-shot examples
    xs = sample(45)
    xs = [x if i % 2 else " ".join(rnd.sample((x + " bird").split(), len(x.split()) + 1)) for i, x in enumerate(xs)]
    with open(os.path.join(OUT, "demo.json"), "w") as f:
        json.dump({"planted_weights": dict(zip([f"{w}_{a}_{b}" for w, a, b in TASKS], PLANTED)),
                   "few_shot": 5, "inputs": xs,
                   "note": "modules trained by tools/reference/lora_demo.py; targets come from greedy decoding of the "
                           "planted composition in Java"}, f, indent=1)
    files = sorted(os.path.relpath(os.path.join(d, f), OUT) for d, _, fs in os.walk(OUT) for f in fs)
    with open(os.path.join(OUT, "files.txt"), "w") as f:
        f.write("\n".join(files) + "\n")
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(OUT) for f in fs)
    print(f"wrote {OUT}: {total / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
