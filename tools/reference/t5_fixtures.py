#!/usr/bin/env python3
"""Writes the T5 parity fixtures under tests/fixtures/t5/ (dev-only; Java tests never run Python).

    /work/venv/bin/python tools/reference/t5_fixtures.py

Each fixture is a tiny random T5 (fixed seed, weights perturbed away from HF's init) in an HF-style
directory (config.json + weights) and an expected.safetensors with what transformers computes:
  input_ids/attention_mask [B, S] (a padded batch, S > relative_attention_max_distance),
  decoder_input_ids [B, T], labels [B, T] (-100 on padding),
  logits [B, T, V], enc_hidden.{i} / dec_hidden.{i} (HF output_hidden_states: the input of every block,
  then the final-normed output), loss (HF's batch token-mean CE), loss_per_example (token-mean per row),
  greedy / beam_a / beam_b sequences (HF generate, decoder start token first, padded as HF pads).
All compute in float32 on CPU with the weights as stored (BF16 weights widened to F32), except
logits_bf16_compute: HF run natively in bfloat16 (looser tolerance).
"""
import json
import os
import shutil
import sys

import torch
from safetensors.torch import save_file
from transformers import T5Config, T5ForConditionalGeneration

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "fixtures", "t5")

GEN = {
    "greedy": dict(num_beams=1),
    "beam_a": dict(num_beams=3, length_penalty=1.0, early_stopping=False),
    "beam_b": dict(num_beams=4, length_penalty=0.6, early_stopping=True),
}
MAX_NEW = 8


def config(**kw):
    base = dict(vocab_size=64, d_model=32, d_kv=8, d_ff=40, num_layers=2, num_heads=4,
                relative_attention_num_buckets=8, relative_attention_max_distance=10,
                layer_norm_epsilon=1e-6, pad_token_id=0, eos_token_id=1, decoder_start_token_id=0,
                is_encoder_decoder=True, model_type="t5", architectures=["T5ForConditionalGeneration"])
    base.update(kw)
    return base


FIXTURES = [
    # name, config.json fields, how the weights are written
    ("relu_tied", config(feed_forward_proj="relu"), "single"),                       # tie absent = tied, scaled
    ("gated_gelu_untied", config(feed_forward_proj="gated-gelu", tie_word_embeddings=False,
                                 d_kv=6, num_heads=4), "single"),                   # d_kv*heads != d_model
    ("gated_silu_deep_dec", config(feed_forward_proj="gated-silu", tie_word_embeddings=False,
                                   num_layers=1, num_decoder_layers=3), "sharded"),  # decoder depth != encoder
    ("gated_gelu_bf16", config(feed_forward_proj="gated-gelu", tie_word_embeddings=False), "bf16"),
    ("relu_bin", config(feed_forward_proj="relu", num_heads=2, d_kv=16), "bin"),     # pytorch_model.bin
]


def perturb(model, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            noise = torch.randn(p.shape, generator=g)
            if "layer_norm" in name:
                p.copy_(1.0 + 0.3 * noise)
            elif "relative_attention_bias" in name:
                p.copy_(0.5 * noise)
            else:
                p.add_(0.3 * p.std() * noise)
        # make EOS (id 1) a frequent enough guess that generation stops early on some rows
        model.lm_head.weight[1] *= 2.5 if model.lm_head.weight.data_ptr() != model.shared.weight.data_ptr() else 3.0


def state_dict_for_file(model, tied):
    sd = {k: v.detach().clone().contiguous() for k, v in model.state_dict().items()}
    for k in ("encoder.embed_tokens.weight", "decoder.embed_tokens.weight"):
        sd.pop(k, None)
    if tied:
        sd.pop("lm_head.weight", None)
    return sd


def inputs(vocab):
    g = torch.Generator().manual_seed(7)
    lens = [20, 11, 4]
    S = max(lens)
    ids = torch.zeros(len(lens), S, dtype=torch.long)
    mask = torch.zeros(len(lens), S, dtype=torch.long)
    for b, n in enumerate(lens):
        ids[b, :n - 1] = torch.randint(2, vocab, (n - 1,), generator=g)
        ids[b, n - 1] = 1  # </s>
        mask[b, :n] = 1
    tlens = [6, 3, 5]
    T = max(tlens)
    labels = torch.full((len(tlens), T), -100, dtype=torch.long)
    for b, n in enumerate(tlens):
        labels[b, :n - 1] = torch.randint(2, vocab, (n - 1,), generator=g)
        labels[b, n - 1] = 1
    dec = labels.clone()
    dec[dec == -100] = 0
    dec = torch.cat([torch.zeros(len(tlens), 1, dtype=torch.long), dec[:, :-1]], dim=1)
    return ids, mask, dec, labels


def expected(model, ids, mask, dec, labels):
    out = {"input_ids": ids, "attention_mask": mask, "decoder_input_ids": dec, "labels": labels}
    with torch.no_grad():
        o = model(input_ids=ids, attention_mask=mask, decoder_input_ids=dec, labels=labels,
                  output_hidden_states=True, return_dict=True)
        out["logits"] = o.logits
        out["loss"] = o.loss.reshape(1)
        for i, h in enumerate(o.encoder_hidden_states):
            out[f"enc_hidden.{i}"] = h
        for i, h in enumerate(o.decoder_hidden_states):
            out[f"dec_hidden.{i}"] = h
        ce = torch.nn.functional.cross_entropy(o.logits.transpose(1, 2), labels, ignore_index=-100, reduction="none")
        cnt = (labels != -100).sum(dim=1)
        out["loss_per_example"] = ce.sum(dim=1) / cnt
        for key, kw in GEN.items():
            seq = model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=MAX_NEW, do_sample=False,
                                 use_cache=False, **kw)  # HF 5.18 cache breaks when decoder depth != encoder depth
            out[key] = seq
    return {k: v.contiguous() for k, v in out.items()}


TEXTS = ["translate English to German: The house is wonderful.", "Is this sentence positive? I loved it!",
         "Numbers 123 and émojis 😀 too", "short"]
TARGETS = ["Das Haus ist wunderbar.", "yes", "ok", "a much longer target sentence than the others"]


def tokenizer_fixture():
    """A tiny model sharing the vocabulary of tests/fixtures/tokenizer, for the text CLI (generate, score)."""
    from transformers import T5TokenizerFast
    tok_dir = os.path.join(ROOT, "..", "tokenizer")
    tok = T5TokenizerFast.from_pretrained(tok_dir)
    d = os.path.join(ROOT, "with_tokenizer")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    shutil.copy(os.path.join(tok_dir, "tokenizer.json"), os.path.join(d, "tokenizer.json"))
    cfg = config(vocab_size=len(tok), d_model=16, d_kv=4, num_heads=4, d_ff=24, feed_forward_proj="gated-gelu",
                 tie_word_embeddings=False)
    torch.manual_seed(77)
    model = T5ForConditionalGeneration(T5Config(**cfg)).eval()
    model.lm_head.weight = torch.nn.Parameter(torch.randn(cfg["vocab_size"], cfg["d_model"]) * 0.3)
    perturb(model, 78)
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(cfg, f, indent=1)
    save_file(state_dict_for_file(model, False), os.path.join(d, "model.safetensors"), metadata={"format": "pt"})
    ref = T5ForConditionalGeneration.from_pretrained(d, dtype=torch.float32).eval()
    enc = tok(TEXTS, padding=True, return_tensors="pt")
    lab = tok(TARGETS, padding=True, return_tensors="pt").input_ids
    lab[lab == tok.pad_token_id] = -100
    out = {"texts": TEXTS, "targets": TARGETS}
    with torch.no_grad():
        o = ref(input_ids=enc.input_ids, attention_mask=enc.attention_mask, labels=lab)
        ce = torch.nn.functional.cross_entropy(o.logits.transpose(1, 2), lab, ignore_index=-100, reduction="none")
        out["loss"] = float(o.loss)
        out["loss_per_example"] = (ce.sum(dim=1) / (lab != -100).sum(dim=1)).tolist()
        for key, kw in (("greedy", dict(num_beams=1)), ("beam3", dict(num_beams=3))):
            seq = ref.generate(input_ids=enc.input_ids, attention_mask=enc.attention_mask, max_new_tokens=12,
                               do_sample=False, use_cache=False, **kw)
            out[key] = tok.batch_decode(seq, skip_special_tokens=True)
    with open(os.path.join(d, "expected.json"), "w") as f:
        json.dump(out, f, indent=1, ensure_ascii=False)


def main():
    torch.set_num_threads(1)
    os.makedirs(ROOT, exist_ok=True)
    meta = {"max_new_tokens": MAX_NEW, "generation": GEN}
    for idx, (name, cfg, mode) in enumerate(FIXTURES):
        d = os.path.join(ROOT, name)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        tied = cfg.get("tie_word_embeddings", True)
        torch.manual_seed(1000 + idx)
        model = T5ForConditionalGeneration(T5Config(**cfg)).eval()
        if not tied:  # HF 5.x always ties at construction; give lm_head its own weights as real checkpoints have
            model.lm_head.weight = torch.nn.Parameter(torch.randn(cfg["vocab_size"], cfg["d_model"]) * 0.2)
        perturb(model, 2000 + idx)
        sd = state_dict_for_file(model, tied)
        with open(os.path.join(d, "config.json"), "w") as f:
            json.dump(cfg, f, indent=1)
        if mode == "single":
            save_file(sd, os.path.join(d, "model.safetensors"), metadata={"format": "pt"})
        elif mode == "bf16":
            sd = {k: v.to(torch.bfloat16) for k, v in sd.items()}
            save_file(sd, os.path.join(d, "model.safetensors"), metadata={"format": "pt"})
        elif mode == "bin":
            torch.save(sd, os.path.join(d, "pytorch_model.bin"))
        elif mode == "sharded":
            names = list(sd.keys())
            half = len(names) // 2
            wm = {}
            for i, part in enumerate((names[:half], names[half:])):
                fn = f"model-0000{i + 1}-of-00002.safetensors"
                save_file({k: sd[k] for k in part}, os.path.join(d, fn), metadata={"format": "pt"})
                wm.update({k: fn for k in part})
            with open(os.path.join(d, "model.safetensors.index.json"), "w") as f:
                json.dump({"metadata": {}, "weight_map": wm}, f, indent=1)
        # reference model: exactly the stored weights (BF16 widened to F32), loaded the way HF loads them
        ref = T5ForConditionalGeneration.from_pretrained(d, dtype=torch.float32).eval()
        ids, mask, dec, labels = inputs(cfg["vocab_size"])
        exp = expected(ref, ids, mask, dec, labels)
        if mode == "bf16":
            refb = T5ForConditionalGeneration.from_pretrained(d, dtype=torch.bfloat16).eval()
            with torch.no_grad():
                exp["logits_bf16_compute"] = refb(input_ids=ids, attention_mask=mask,
                                                  decoder_input_ids=dec).logits.float().contiguous()
        save_file(exp, os.path.join(d, "expected.safetensors"))
        eos_rows = {k: int((exp[k] == 1).any(dim=1).sum()) for k in GEN}
        print(name, "rows ending in EOS:", eos_rows, "max|logit|", float(exp["logits"].abs().max()), file=sys.stderr)
    tokenizer_fixture()
    # HF's relative position buckets for FLAN-T5's settings (32 buckets, max distance 128), relative positions
    # -600..600 (key - query), bidirectional (encoder) and causal (decoder): checks bucket edges beyond the tiny models
    from transformers.models.t5.modeling_t5 import T5Attention
    rel = torch.arange(-600, 601)
    save_file({"relative_position": rel,
               "bidirectional": T5Attention._relative_position_bucket(rel, True, 32, 128),
               "causal": T5Attention._relative_position_bucket(rel, False, 32, 128)},
              os.path.join(ROOT, "buckets.safetensors"))
    with open(os.path.join(ROOT, "generation.json"), "w") as f:
        json.dump(meta, f, indent=1)


if __name__ == "__main__":
    main()
