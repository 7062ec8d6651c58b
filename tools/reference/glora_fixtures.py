#!/usr/bin/env python3
"""GLoRA parity fixtures for lora4j (dev-only; Java tests never run Python).

A PyTorch implementation of exactly the METHODS.md §2 formulas on a tiny ViT:
  W = W0 + W0*A + B,  b = b0 + b0*D + E + W0 @ C
with A..E materialized from the supernet tensors per mode (LoRA_r: Xd[:, :r] @ Xu[:r, :];
vector: Xd[:, 0:1] (D, E: the vector); constant: Xd[0, 0] (D, E: element 0); none: 0).

Writes tests/fixtures/glora/:
  hf/            config.json + model.safetensors   (HF ViTForImageClassification, tiny, perturbed weights)
  timm/          config.json + model.safetensors   (the same weights, timm names, fused qkv)
  <layout>/supernet.safetensors, <layout>/supernet.pt   (torch.save dict; timm or HF names; random non-zero
                 A..E tensors, R = 4, plus a new random head with NEW_CLASSES classes)
  <layout>/configs/cfg<k>.json                         (several configurations; together every mode of every path)
  <layout>/expected.safetensors:
      pixel_values [B, 3, S, S]; logits_base (base model, its own head);
      logits_cfg<k> (GLoRA training form, supernet head); cfg<k>.<layer>.weight / .bias (merged W, b)
Usage: /work/venv/bin/python tools/reference/glora_fixtures.py
"""
import json
import math
import os
import random

import torch
import torch.nn.functional as F
from safetensors.torch import save_file
from transformers import ViTConfig, ViTForImageClassification

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "glora")
IMG, PATCH, HID, DEPTH, HEADS, INTER, CLASSES, NEW_CLASSES, R, B = 32, 8, 32, 2, 4, 64, 5, 3, 4, 4
EPS = 1e-6  # timm's LayerNorm eps; the HF config uses the same so both layouts are one model

torch.manual_seed(0)
random.seed(0)


def tiny_hf():
    cfg = ViTConfig(image_size=IMG, patch_size=PATCH, num_channels=3, hidden_size=HID, num_hidden_layers=DEPTH,
                    num_attention_heads=HEADS, intermediate_size=INTER, hidden_act="gelu", layer_norm_eps=EPS,
                    qkv_bias=True, num_labels=CLASSES, attn_implementation="eager")
    m = ViTForImageClassification(cfg).eval()
    with torch.no_grad():  # perturb far from init so every weight matters
        for n, p in m.named_parameters():
            if "layernorm" in n and n.endswith("weight"):
                p.copy_(1 + 0.2 * torch.randn_like(p))
            else:
                p.copy_(0.2 * torch.randn_like(p))
    return m


def hf_to_timm(sd):
    t = {"cls_token": sd["vit.embeddings.cls_token"], "pos_embed": sd["vit.embeddings.position_embeddings"],
         "patch_embed.proj.weight": sd["vit.embeddings.patch_embeddings.projection.weight"],
         "patch_embed.proj.bias": sd["vit.embeddings.patch_embeddings.projection.bias"],
         "norm.weight": sd["vit.layernorm.weight"], "norm.bias": sd["vit.layernorm.bias"],
         "head.weight": sd["classifier.weight"], "head.bias": sd["classifier.bias"]}
    for i in range(DEPTH):
        h, b = f"vit.encoder.layer.{i}.", f"blocks.{i}."
        for x in ("weight", "bias"):
            t[b + "norm1." + x] = sd[h + "layernorm_before." + x]
            t[b + "norm2." + x] = sd[h + "layernorm_after." + x]
            t[b + "attn.qkv." + x] = torch.cat([sd[h + f"attention.attention.{q}.{x}"] for q in ("query", "key", "value")], 0)
            t[b + "attn.proj." + x] = sd[h + "attention.output.dense." + x]
            t[b + "mlp.fc1." + x] = sd[h + "intermediate.dense." + x]
            t[b + "mlp.fc2." + x] = sd[h + "output.dense." + x]
    return {k: v.contiguous().clone() for k, v in t.items()}


# ----------------------------------------------------------------------------- GLoRA (METHODS.md §2)

def path_ab(mode, xd, xu):
    if mode.startswith("LoRA_"):
        r = int(mode[5:])
        return xd[:, :r] @ xu[:r, :]
    return {"vector": lambda: xd[:, 0:1], "constant": lambda: xd[0, 0], "none": lambda: torch.zeros(())}[mode]()


def path_c(mode, cd, cu):
    if mode.startswith("LoRA_"):
        r = int(mode[5:])
        return cd[:, :r] @ cu[:r, :]
    return {"vector": lambda: cd[:, 0:1], "none": lambda: torch.zeros(cd.shape[0], 1)}[mode]()


def path_de(mode, v):
    return {"vector": lambda: v, "constant": lambda: v[0], "none": lambda: torch.zeros(())}[mode]()


def glora_wb(w0, b0, sn, name, c):
    A = path_ab(c["A"], sn[name + ".Ad"], sn[name + ".Au"])
    Bm = path_ab(c["B"], sn[name + ".Bd"], sn[name + ".Bu"])
    C = path_c(c["C"], sn[name + ".Cd"], sn[name + ".Cu"])
    D = path_de(c["D"], sn[name + ".D"])
    E = path_de(c["E"], sn[name + ".E"])
    w = w0 + w0 * A + Bm
    b = b0 + b0 * D + E + (w0 @ C).squeeze(1)  # W0, not the updated weight
    return w, b


def make_supernet(layers):
    """Random non-zero supernet tensors (a 'trained' supernet), names <layer>.Ad ..."""
    sn = {}
    for name, (o, i) in layers.items():
        for suf, shape in (("Ad", (o, R)), ("Au", (R, i)), ("Bd", (o, R)), ("Bu", (R, i)), ("Cd", (i, R)), ("Cu", (R, 1)), ("D", (o,)), ("E", (o,))):
            sn[f"{name}.{suf}"] = 0.3 * torch.randn(*shape)
    return sn


CHOICES = {"A": [f"LoRA_{R}", "vector", "constant", "none"], "B": [f"LoRA_{R}", "vector", "constant", "none"],
           "C": [f"LoRA_{R}", "vector", "none"], "D": ["vector", "constant", "none"], "E": ["vector", "constant", "none"]}


def make_configs(layer_names):
    """cfg0: all none; cfg1..: cycle every mode of every path over the layers (plus LoRA ranks < R)."""
    cfgs = [{n: {p: "none" for p in "ABCDE"} for n in layer_names}]
    extra = {"A": ["LoRA_2"], "B": ["LoRA_1"], "C": ["LoRA_3"], "D": [], "E": []}
    for k in range(3):
        cfg = {}
        for j, n in enumerate(layer_names):
            cfg[n] = {}
            for p in "ABCDE":
                opts = CHOICES[p] + extra[p]
                cfg[n][p] = opts[(j + k * 3 + "ABCDE".index(p)) % len(opts)]
        cfgs.append(cfg)
    for p in "ABCDE":  # every mode of every path appears in some configuration
        seen = {cfg[n][p] for cfg in cfgs for n in layer_names}
        assert set(CHOICES[p]) <= seen, (p, seen)
    return cfgs


# ----------------------------------------------------------------------------- forwards

def timm_forward(sd, x, linear):
    """timm VisionTransformer forward (pre-norm blocks, class token, exact GELU); linear(name, x) does every Linear."""
    n = x.shape[0]
    h = F.conv2d(x, sd["patch_embed.proj.weight"], sd["patch_embed.proj.bias"], stride=PATCH).flatten(2).transpose(1, 2)
    h = torch.cat([sd["cls_token"].expand(n, -1, -1), h], 1) + sd["pos_embed"]
    hd = HID // HEADS
    for i in range(DEPTH):
        b = f"blocks.{i}."
        y = F.layer_norm(h, (HID,), sd[b + "norm1.weight"], sd[b + "norm1.bias"], EPS)
        qkv = linear(b + "attn.qkv", y).reshape(n, -1, 3, HEADS, hd).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        a = ((q @ k.transpose(-2, -1)) / math.sqrt(hd)).softmax(-1) @ v
        h = h + linear(b + "attn.proj", a.transpose(1, 2).reshape(n, -1, HID))
        y = F.layer_norm(h, (HID,), sd[b + "norm2.weight"], sd[b + "norm2.bias"], EPS)
        h = h + linear(b + "mlp.fc2", F.gelu(linear(b + "mlp.fc1", y)))
    h = F.layer_norm(h, (HID,), sd["norm.weight"], sd["norm.bias"], EPS)
    return linear("head", h[:, 0])


def legacy_name(n):
    """transformers 5 module name -> the checkpoint (legacy HF) name that save_pretrained writes."""
    n = n.replace("vit.layers.", "vit.encoder.layer.")
    for new, old in ((".attention.q_proj", ".attention.attention.query"), (".attention.k_proj", ".attention.attention.key"),
                     (".attention.v_proj", ".attention.attention.value"), (".attention.o_proj", ".attention.output.dense"),
                     (".mlp.fc1", ".intermediate.dense"), (".mlp.fc2", ".output.dense")):
        if n.endswith(new):
            return n[: -len(new)] + old
    return n


class GloraWrap(torch.nn.Module):
    def __init__(self, base, fn):
        super().__init__()
        self.base, self.fn = base, fn

    def forward(self, x):
        return self.fn(x)


def hf_forward_with(model, x, linear_fn):
    """Runs the HF model with every adapted nn.Linear replaced by linear_fn(name, base, x)."""
    import copy
    m = copy.deepcopy(model)
    for name, mod in list(m.named_modules()):
        for cn, child in list(mod.named_children()):
            full = f"{name}.{cn}" if name else cn
            if isinstance(child, torch.nn.Linear) and full != "classifier":
                full = legacy_name(full)
                setattr(mod, cn, GloraWrap(child, lambda x, full=full, child=child: linear_fn(full, child, x)))
    with torch.no_grad():
        return m(pixel_values=x).logits


def save_layout(d, base_sd, config_json, sn, head, cfgs, x, logits_base, logits, merged):
    os.makedirs(os.path.join(d, "configs"), exist_ok=True)
    if config_json is not None:
        save_file(base_sd, os.path.join(d, "model.safetensors"))
        with open(os.path.join(d, "config.json"), "w") as f:
            json.dump(config_json, f, indent=2)
    full = dict(sn)
    full.update(head)
    save_file({k: v.contiguous() for k, v in full.items()}, os.path.join(d, "supernet.safetensors"))
    torch.save({k: v.contiguous() for k, v in full.items()}, os.path.join(d, "supernet.pt"))
    for k, c in enumerate(cfgs):
        with open(os.path.join(d, "configs", f"cfg{k}.json"), "w") as f:
            json.dump(c, f, indent=2)
    exp = {"pixel_values": x, "logits_base": logits_base}
    for k in range(len(cfgs)):
        exp[f"logits_cfg{k}"] = logits[k]
        for name, (w, b) in merged[k].items():
            exp[f"cfg{k}.{name}.weight"] = w
            exp[f"cfg{k}.{name}.bias"] = b
    save_file({k: v.contiguous() for k, v in exp.items()}, os.path.join(d, "expected.safetensors"))


def main():
    hf = tiny_hf()
    hf_dir = os.path.join(OUT, "hf")
    hf.save_pretrained(hf_dir)  # writes the checkpoint (legacy HF) names: vit.encoder.layer.0.attention.attention.query ...
    from safetensors.torch import load_file
    hsd = load_file(os.path.join(hf_dir, "model.safetensors"))
    tsd = hf_to_timm(hsd)
    x = torch.randn(B, 3, IMG, IMG)
    with torch.no_grad():
        ref = hf(pixel_values=x).logits
        plain = lambda name, y: F.linear(y, tsd[name + ".weight"], tsd[name + ".bias"])
        t_logits = timm_forward(tsd, x, plain)
    assert torch.allclose(ref, t_logits, atol=1e-4), (ref - t_logits).abs().max()

    # ---- timm layout
    t_layers = {}
    for i in range(DEPTH):
        for n in ("attn.qkv", "attn.proj", "mlp.fc1", "mlp.fc2"):
            t_layers[f"blocks.{i}.{n}"] = tuple(tsd[f"blocks.{i}.{n}.weight"].shape)
    t_sn = make_supernet(t_layers)
    t_head = {"head.weight": 0.3 * torch.randn(NEW_CLASSES, HID), "head.bias": 0.3 * torch.randn(NEW_CLASSES)}
    t_cfgs = make_configs(list(t_layers))
    t_logits, t_merged = [], []
    for c in t_cfgs:
        merged = {n: glora_wb(tsd[n + ".weight"], tsd[n + ".bias"], t_sn, n, c[n]) for n in t_layers}
        sd2 = dict(tsd)
        sd2.update(t_head)

        def lin(name, y, merged=merged, sd2=sd2):
            if name in merged:
                return F.linear(y, *merged[name])
            return F.linear(y, sd2[name + ".weight"], sd2[name + ".bias"])
        with torch.no_grad():
            t_logits.append(timm_forward(sd2, x, lin))
        t_merged.append(merged)
    timm_cfg = {"architecture": "vit_tiny_glora_fixture", "num_attention_heads": HEADS, "num_classes": CLASSES, "num_features": HID, "global_pool": "token",
                "model_args": {"img_size": IMG, "patch_size": PATCH, "embed_dim": HID, "depth": DEPTH, "num_heads": HEADS,
                               "mlp_ratio": INTER / HID, "qkv_bias": True},
                "pretrained_cfg": {"input_size": [3, IMG, IMG], "mean": [0.5, 0.5, 0.5], "std": [0.5, 0.5, 0.5],
                                   "interpolation": "bicubic", "crop_pct": 1.0, "num_classes": CLASSES}}
    save_layout(os.path.join(OUT, "timm"), tsd, timm_cfg, t_sn, t_head, t_cfgs, x, t_logits_base := ref, t_logits, t_merged)

    # ---- HF layout (its own supernet: q, k, v are separate layers)
    h_layers = {}
    for name, mod in hf.named_modules():
        if isinstance(mod, torch.nn.Linear) and name != "classifier":
            h_layers[legacy_name(name)] = tuple(mod.weight.shape)
    h_sn = make_supernet(h_layers)
    h_head = {"classifier.weight": 0.3 * torch.randn(NEW_CLASSES, HID), "classifier.bias": 0.3 * torch.randn(NEW_CLASSES)}
    h_cfgs = make_configs(list(h_layers))
    h_logits, h_merged = [], []
    for c in h_cfgs:
        merged = {n: glora_wb(hsd[n + ".weight"], hsd[n + ".bias"], h_sn, n, c[n]) for n in h_layers}
        m2 = ViTForImageClassification(ViTConfig.from_dict({**hf.config.to_dict(), "num_labels": NEW_CLASSES,
                                                            "id2label": {str(i): f"LABEL_{i}" for i in range(NEW_CLASSES)},
                                                            "label2id": {f"LABEL_{i}": i for i in range(NEW_CLASSES)}})).eval()
        m2.load_state_dict({k: v for k, v in hf.state_dict().items() if not k.startswith("classifier.")}, strict=False)
        with torch.no_grad():
            m2.classifier.weight.copy_(h_head["classifier.weight"])
            m2.classifier.bias.copy_(h_head["classifier.bias"])
        h_logits.append(hf_forward_with(m2, x, lambda name, base, y, merged=merged: F.linear(y, *merged[name])))
        h_merged.append(merged)
    save_layout(hf_dir, hsd, None, h_sn, h_head, h_cfgs, x, ref, h_logits, h_merged)
    with open(os.path.join(OUT, "hf", "preprocessor_config.json"), "w") as f:
        json.dump({"do_normalize": True, "do_rescale": True, "do_resize": True, "image_mean": [0.5, 0.5, 0.5],
                   "image_std": [0.5, 0.5, 0.5], "image_processor_type": "ViTImageProcessor", "resample": 2,
                   "rescale_factor": 1 / 255, "size": {"height": IMG, "width": IMG}}, f, indent=2)
    # self-check: all-none configuration with the supernet head = base trunk + new head; merged form == formula
    assert not torch.allclose(h_logits[1], h_logits[0])
    print("wrote", os.path.abspath(OUT))


if __name__ == "__main__":
    main()
