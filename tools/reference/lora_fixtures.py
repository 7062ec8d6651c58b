#!/usr/bin/env python3
"""Writes tests/fixtures/lora: a tiny random T5, PEFT LoRA adapters of several kinds, and the logits /
weights / losses PEFT and transformers compute for them, for lora4j's parity tests.

Run:  /work/venv/bin/python tools/reference/lora_fixtures.py            (writes the fixtures)
      /work/venv/bin/python tools/reference/lora_fixtures.py --check-merged DIR ADAPTER [ADAPTER ...]
          loads a merged model directory written by `lora4j merge` with transformers and compares its
          logits with PEFT's unmerged logits for the same adapters (the merge round trip check).
All seeds are fixed; peft 0.21, transformers 5.x, torch CPU.
"""
import json
import os
import shutil
import sys

import torch
from safetensors.torch import save_file

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "tests", "fixtures", "lora")
torch.set_num_threads(1)

WORDS = ("the a one two three four five six seven eight nine ten red green blue cat dog bird fish tree "
         "big small old new is are not and or yes no sum of plus minus copy reverse first last word letter").split()


def tiny_config():
    from transformers import T5Config
    return T5Config(vocab_size=128, d_model=32, d_kv=8, num_heads=4, d_ff=48, num_layers=2, num_decoder_layers=2,
                    feed_forward_proj="gated-gelu", tie_word_embeddings=False, relative_attention_num_buckets=8,
                    relative_attention_max_distance=20, dropout_rate=0.0, decoder_start_token_id=0, pad_token_id=0,
                    eos_token_id=1, layer_norm_epsilon=1e-6)


def make_tokenizer(path):
    """A small T5-style Unigram tokenizer (Metaspace, '</s>' appended), ids < 128."""
    from tokenizers import Tokenizer, decoders, normalizers, pre_tokenizers, processors, Regex
    from tokenizers.models import Unigram
    vocab = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), ("\u2581", -2.0)]
    vocab += [("\u2581" + w, -3.0 - 0.01 * i) for i, w in enumerate(WORDS)]
    letters = "abcdefghijklmnopqrstuvwxyz0123456789"
    vocab += [(c, -8.0 - 0.01 * i) for i, c in enumerate(letters)]
    vocab += [("\u2581" + c, -7.0 - 0.01 * i) for i, c in enumerate(letters[:24])]
    vocab = vocab[:128]
    tok = Tokenizer(Unigram(vocab, unk_id=2, byte_fallback=False))
    tok.normalizer = normalizers.Sequence([normalizers.Replace(Regex(" {2,}"), " ")])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always", split=True)
    tok.post_processor = processors.TemplateProcessing(single="$A </s>", pair="$A </s> $B </s>", special_tokens=[("</s>", 1)])
    tok.add_special_tokens(["<pad>", "</s>", "<unk>"])
    tok.save(path)
    with open(os.path.join(os.path.dirname(path), "tokenizer_config.json"), "w") as f:
        json.dump({"tokenizer_class": "T5Tokenizer", "eos_token": "</s>", "pad_token": "<pad>", "unk_token": "<unk>",
                   "model_max_length": 512, "extra_ids": 0}, f, indent=1)
    return tok


def perturb(model, seed, scale):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for n, p in model.named_parameters():
            if "lora_" in n:
                p.copy_(torch.randn(p.shape, generator=g) * scale)


ADAPTERS = {
    # name: (LoraConfig kwargs, seed, save as .bin)
    "plain": (dict(r=4, lora_alpha=8, target_modules=["q", "v"]), 11, False),
    "rslora": (dict(r=4, lora_alpha=6, target_modules=["q", "k", "v", "o"], use_rslora=True), 12, False),
    "pattern": (dict(r=4, lora_alpha=8, target_modules=["q", "v", "wi_0", "wo"], rank_pattern={"decoder.*wo": 2},
                     alpha_pattern={"q": 3}), 13, False),
    "regex": (dict(r=3, lora_alpha=5, target_modules=r".*decoder.*(SelfAttention|EncDecAttention)\.(q|v)"), 14, False),
    "layers": (dict(r=2, lora_alpha=4, target_modules=["q", "v", "wi_1"], layers_to_transform=[1]), 15, False),
    "bin": (dict(r=4, lora_alpha=8, target_modules=["q", "v"]), 16, True),
    "hub0": (dict(r=4, lora_alpha=8, target_modules=["q", "v"]), 21, False),
    "hub1": (dict(r=4, lora_alpha=8, target_modules=["q", "v"]), 22, False),
    "hub2": (dict(r=4, lora_alpha=8, target_modules=["q", "v"]), 23, False),
}

ENC_IDS = [[5, 17, 9, 33, 60, 1], [44, 8, 21, 70, 3, 1]]
DEC_IDS = [[0, 12, 30, 7], [0, 50, 9, 41]]
HUB_W = [0.8, -0.45, 1.2]
# LoRAHub few-shot examples as token ids (EOS already appended), deliberately of different lengths
HUB_EXAMPLES = [([5, 9, 13, 1], [20, 21, 1]), ([7, 7, 40, 41, 42, 1], [22, 1]), ([50, 1], [23, 24, 25, 1]),
                ([9, 10, 11, 12, 13, 14, 15, 1], [26, 1]), ([60, 61, 1], [27, 28, 1])]


def base_model():
    from transformers import T5ForConditionalGeneration
    if not hasattr(T5ForConditionalGeneration, "_prepare_encoder_decoder_kwargs_for_generation"):
        # peft 0.21's PeftModelForSeq2SeqLM looks this up; transformers 5 renamed it
        T5ForConditionalGeneration._prepare_encoder_decoder_kwargs_for_generation = \
            T5ForConditionalGeneration._prepare_text_encoder_decoder_kwargs_for_generation
    torch.manual_seed(0)
    m = T5ForConditionalGeneration(tiny_config())
    # FLAN-T5 style: an untied lm_head (transformers 5 ties by default; untie explicitly), no output scaling,
    # weights perturbed away from HF's init
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        m.lm_head.weight = torch.nn.Parameter(torch.randn(128, 32, generator=g) * 0.3)
        for name, p in m.named_parameters():
            noise = torch.randn(p.shape, generator=g)
            if "layer_norm" in name:
                p.copy_(1.0 + 0.2 * noise)
            elif "relative_attention_bias" in name:
                p.copy_(0.5 * noise)
            elif "lm_head" not in name:
                p.add_(0.3 * p.std() * noise)
    assert not m.config.scale_decoder_outputs
    return m.eval()


def save_base(model, mdir):
    """An HF directory like FLAN-T5's: tie_word_embeddings false, shared + lm_head stored."""
    os.makedirs(mdir, exist_ok=True)
    sd = {k: v.detach().clone().contiguous() for k, v in model.state_dict().items()
          if k not in ("encoder.embed_tokens.weight", "decoder.embed_tokens.weight")}
    save_file(sd, os.path.join(mdir, "model.safetensors"), metadata={"format": "pt"})
    cfg = model.config.to_dict()
    cfg.pop("scale_decoder_outputs", None)
    cfg["tie_word_embeddings"] = False
    cfg["architectures"] = ["T5ForConditionalGeneration"]
    with open(os.path.join(mdir, "config.json"), "w") as f:
        json.dump(cfg, f, indent=1)


def logits_of(model, enc=ENC_IDS, dec=DEC_IDS):
    with torch.no_grad():
        return model(input_ids=torch.tensor(enc), decoder_input_ids=torch.tensor(dec)).logits.float()


def hub_batch():
    """As lorahub's preprocess: pad inputs and labels to the longest with pad 0, label pads -> -100."""
    li = max(len(x) for x, _ in HUB_EXAMPLES)
    lo = max(len(y) for _, y in HUB_EXAMPLES)
    ids = torch.tensor([x + [0] * (li - len(x)) for x, _ in HUB_EXAMPLES])
    mask = torch.tensor([[1] * len(x) + [0] * (li - len(x)) for x, _ in HUB_EXAMPLES])
    labels = torch.tensor([y + [-100] * (lo - len(y)) for _, y in HUB_EXAMPLES])
    return ids, mask, labels


def hub_loss(model, w):
    """lorahub's default_get_loss (one batch of all examples: batch-mean CE / N) + get_regular (0.05·mean|w|)."""
    ids, mask, labels = hub_batch()
    with torch.no_grad():
        loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss.float()
    n = len(HUB_EXAMPLES)
    reg = 0.05 * sum(abs(x) for x in w) / len(w)
    return float(loss), float(loss) / n, reg


def main():
    from peft import LoraConfig, PeftModel, get_peft_model, set_peft_model_state_dict, get_peft_model_state_dict
    if os.path.exists(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    mdir = os.path.join(OUT, "model")
    base = base_model()
    save_base(base, mdir)
    make_tokenizer(os.path.join(mdir, "tokenizer.json"))
    expected = {"base.logits": logits_of(base)}
    meta = {"enc_ids": ENC_IDS, "dec_ids": DEC_IDS, "adapters": {}}
    for name, (kw, seed, as_bin) in ADAPTERS.items():
        model = get_peft_model(base_model(), LoraConfig(task_type="SEQ_2_SEQ_LM", lora_dropout=0.0, **kw))
        perturb(model, seed, 0.15)
        model.eval()
        adir = os.path.join(OUT, "adapters", name)
        model.save_pretrained(adir, safe_serialization=not as_bin)
        os.remove(os.path.join(adir, "README.md"))
        # reload as a user would, to be sure the saved directory gives these logits
        loaded = PeftModel.from_pretrained(base_model(), adir).eval()
        expected[name + ".logits"] = logits_of(loaded)
        adapted = sorted({k.split(".lora_")[0][len("base_model.model."):] for k in get_peft_model_state_dict(loaded)})
        merged = loaded.merge_and_unload()
        expected[name + ".merged_logits"] = logits_of(merged)
        sd = merged.state_dict()
        for layer in adapted:
            expected["merged." + name + "." + layer + ".weight"] = sd[layer + ".weight"].float().contiguous()
        meta["adapters"][name] = {"layers": adapted,
                                  "max_abs_delta_logits": float((expected[name + ".logits"] - expected["base.logits"]).abs().max())}
        del model, loaded, merged
    # LoRAHub composition for HUB_W, as lorahub's get_final_weights + set_peft_model_state_dict
    hub = [os.path.join(OUT, "adapters", n) for n in ("hub0", "hub1", "hub2")]
    peft_model = PeftModel.from_pretrained(base_model(), hub[0]).eval()
    sds = [get_peft_model_state_dict(PeftModel.from_pretrained(base_model(), h)) for h in hub]
    final = {}
    for i, sd in enumerate(sds):
        for k in sd:
            final[k] = HUB_W[i] * sd[k] if i == 0 else final[k] + HUB_W[i] * sd[k]
    set_peft_model_state_dict(peft_model, final)
    expected["hub.logits"] = logits_of(peft_model)
    for k, v in final.items():
        expected["hub." + k] = v.float().contiguous()
    raw, loss, reg = hub_loss(peft_model, HUB_W)
    base_raw, base_loss, _ = hub_loss(base_model(), [0.0, 0.0, 0.0])
    meta["hub"] = {"modules": ["hub0", "hub1", "hub2"], "weights": HUB_W,
                   "examples": [{"input_ids": x, "labels": y} for x, y in HUB_EXAMPLES],
                   "batch_token_mean_ce": raw, "loss": loss, "regularization": reg, "score": loss + reg,
                   "base_loss": base_loss,
                   "source": "lorahub default_get_loss (one batch, CE mean / N) + get_regular 0.05*mean|w|, via PEFT set_peft_model_state_dict"}
    save_file({k: v.contiguous() for k, v in expected.items()}, os.path.join(OUT, "expected.safetensors"))
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(meta, f, indent=1)
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(OUT) for f in fs)
    print(f"wrote {OUT}: {total / 1e6:.2f} MB")


def check_merged(merged_dir, adapters):
    """Loads a merged directory written by lora4j with transformers; compares with PEFT applying the adapters."""
    from peft import PeftModel
    from transformers import T5ForConditionalGeneration
    m = T5ForConditionalGeneration.from_pretrained(merged_dir).eval()
    model = base_model()
    for i, a in enumerate(adapters):
        model = PeftModel.from_pretrained(model, a, adapter_name=f"a{i}") if i == 0 else model
        if i > 0:
            model.load_adapter(a, adapter_name=f"a{i}")
    if len(adapters) > 1:
        model.base_model.set_adapter([f"a{i}" for i in range(len(adapters))])
    model.eval()
    ref = logits_of(model)
    got = logits_of(m)
    err = float((ref - got).abs().max())
    print(json.dumps({"merged_dir": merged_dir, "adapters": adapters, "max_abs_logit_diff_vs_peft": err,
                      "max_abs_logit": float(ref.abs().max())}))
    return 0 if err < 1e-4 else 1


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--check-merged":
        sys.exit(check_merged(sys.argv[2], sys.argv[3:]))
    main()
