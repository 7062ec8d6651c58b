#!/usr/bin/env python3
"""Writes the ViT parity fixtures into tests/fixtures/vit (dev-only; Java tests never run Python).

Run:  PYTHONPATH=/work/vit-pydeps /work/venv/bin/python tools/reference/vit_fixtures.py
(Pillow comes from a separate --target dir; transformers 5.x, torch 2.13 CPU.)

Writes
  images/            rgb.png (45x37 RGB), photo.jpg (50x40 RGB JPEG q90), gray.png (30x41 L),
                     rgba.png (36x36 RGBA)
  hf-vit-cls/        ViTForImageClassification (config.json with id2label, model.safetensors,
                     preprocessor_config.json: 32x32 bilinear, mean/std 0.5)
  hf-vit-model/      ViTModel (with pooler) sharing the encoder weights of hf-vit-cls
  timm-vit/          the same weights in timm naming (fused attn.qkv) + vit_arch.json (token pooling)
  hf-vit-bin/        hf-vit-cls's weights as pytorch_model.bin (same config)
  timm-vit-avg/      timm naming, global_pool "avg" with fc_norm (no final norm) + vit_arch.json
  preprocessor_bicubic.json  a second processor config (bicubic, ImageNet mean/std)
  expected.safetensors:
    decoded_<img>            uint8 [H, W, 3]: PIL's decode of each image after .convert("RGB")
    pixel_values_<img>       [1, 3, 32, 32]: ViTImageProcessor (hf-vit-cls config) output
    pixel_values_bicubic_<img> [1, 3, 32, 32]: the same with preprocessor_bicubic.json
    pixel_values             [4, 3, 32, 32]: batch of the 4 images (rgb, photo, gray, rgba)
    logits                   [4, 5]: ViTForImageClassification on pixel_values
    hidden_states_<i>        [4, 17, 32], i = 0..L: embeddings output, then each layer's output
    last_hidden_state        [4, 17, 32]: after the final layernorm
    model_last_hidden_state, model_pooler_output: ViTModel on pixel_values
    timm_avg_logits          [4, 5]: timm-avg checkpoint (reference timm forward written below)
    pixel_values_48          [2, 3, 48, 48] random, logits_48 [2, 5]: interpolate_pos_encoding=True
"""
import json
import os
import sys

import numpy as np
import torch
from PIL import Image
from safetensors.torch import load_file, save_file
from transformers import ViTConfig, ViTForImageClassification, ViTModel, ViTImageProcessor

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "fixtures", "vit")
torch.manual_seed(20261202)
rng = np.random.default_rng(20261202)


def make_images(out):
    os.makedirs(out, exist_ok=True)
    # smooth gradients + blobs + a little noise: realistic enough to exercise the resize filters
    def canvas(w, h, seed):
        r = np.random.default_rng(seed)
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
        chans = []
        for c in range(3):
            a, b, f = r.uniform(-1, 1), r.uniform(-1, 1), r.uniform(0.1, 0.5)
            v = 128 + 60 * np.sin(f * xx + a * 3) * np.cos(f * yy * 0.7 + b * 3) + 40 * (xx / w - yy / h)
            v += r.normal(0, 12, size=v.shape)
            chans.append(v)
        img = np.stack(chans, -1)
        # a hard-edged rectangle (ringing of bicubic, clipping)
        img[h // 4: h // 2, w // 3: w // 3 + w // 4, :] = [250, 5, 30]
        return np.clip(np.round(img), 0, 255).astype(np.uint8)

    Image.fromarray(canvas(45, 37, 1), "RGB").save(os.path.join(out, "rgb.png"))
    Image.fromarray(canvas(50, 40, 2), "RGB").save(os.path.join(out, "photo.jpg"), quality=90)
    g = canvas(30, 41, 3)[..., 1]
    Image.fromarray(g, "L").save(os.path.join(out, "gray.png"))
    rgba = np.concatenate([canvas(36, 36, 4), rng.integers(0, 256, size=(36, 36, 1), dtype=np.uint8)], -1)
    Image.fromarray(rgba, "RGBA").save(os.path.join(out, "rgba.png"))
    return ["rgb.png", "photo.jpg", "gray.png", "rgba.png"]


def perturb(model):
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() >= 2:
                p.add_(torch.randn_like(p) * 0.08)
            elif "layernorm" in name and name.endswith("weight"):
                p.copy_(1 + 0.1 * torch.randn_like(p))
            else:
                p.add_(torch.randn_like(p) * 0.1)


def timm_state(hf_sd, cfg, prefix="vit."):
    """The same weights in timm's VisionTransformer naming (fused qkv: rows q, k, v)."""
    t = {
        "cls_token": hf_sd[prefix + "embeddings.cls_token"],
        "pos_embed": hf_sd[prefix + "embeddings.position_embeddings"],
        "patch_embed.proj.weight": hf_sd[prefix + "embeddings.patch_embeddings.projection.weight"],
        "patch_embed.proj.bias": hf_sd[prefix + "embeddings.patch_embeddings.projection.bias"],
    }
    for i in range(cfg.num_hidden_layers):
        h = f"{prefix}encoder.layer.{i}."
        b = f"blocks.{i}."
        t[b + "norm1.weight"] = hf_sd[h + "layernorm_before.weight"]
        t[b + "norm1.bias"] = hf_sd[h + "layernorm_before.bias"]
        for kind in ("weight", "bias"):
            t[b + "attn.qkv." + kind] = torch.cat([hf_sd[h + f"attention.attention.{n}.{kind}"] for n in ("query", "key", "value")], 0)
            t[b + "attn.proj." + kind] = hf_sd[h + "attention.output.dense." + kind]
            t[b + "mlp.fc1." + kind] = hf_sd[h + "intermediate.dense." + kind]
            t[b + "mlp.fc2." + kind] = hf_sd[h + "output.dense." + kind]
        t[b + "norm2.weight"] = hf_sd[h + "layernorm_after.weight"]
        t[b + "norm2.bias"] = hf_sd[h + "layernorm_after.bias"]
    t["norm.weight"] = hf_sd[prefix + "layernorm.weight"]
    t["norm.bias"] = hf_sd[prefix + "layernorm.bias"]
    t["head.weight"] = hf_sd["classifier.weight"]
    t["head.bias"] = hf_sd["classifier.bias"]
    return {k: v.detach().clone().contiguous() for k, v in t.items()}


def timm_forward(sd, x, heads, eps, pool):
    """A plain reimplementation of timm.models.vision_transformer.VisionTransformer.forward (eval)."""
    F = torch.nn.functional
    B = x.shape[0]
    p = F.conv2d(x, sd["patch_embed.proj.weight"], sd["patch_embed.proj.bias"], stride=sd["patch_embed.proj.weight"].shape[-1])
    p = p.flatten(2).transpose(1, 2)
    h = torch.cat([sd["cls_token"].expand(B, -1, -1), p], 1) + sd["pos_embed"]
    D = h.shape[-1]
    i = 0
    while f"blocks.{i}.norm1.weight" in sd:
        b = f"blocks.{i}."
        y = F.layer_norm(h, (D,), sd[b + "norm1.weight"], sd[b + "norm1.bias"], eps)
        qkv = F.linear(y, sd[b + "attn.qkv.weight"], sd[b + "attn.qkv.bias"]).reshape(B, -1, 3, heads, D // heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0)
        a = F.scaled_dot_product_attention(q, k, v).transpose(1, 2).reshape(B, -1, D)
        h = h + F.linear(a, sd[b + "attn.proj.weight"], sd[b + "attn.proj.bias"])
        y = F.layer_norm(h, (D,), sd[b + "norm2.weight"], sd[b + "norm2.bias"], eps)
        y = F.linear(F.gelu(F.linear(y, sd[b + "mlp.fc1.weight"], sd[b + "mlp.fc1.bias"])), sd[b + "mlp.fc2.weight"], sd[b + "mlp.fc2.bias"])
        h = h + y
        i += 1
    if pool == "token":
        h = F.layer_norm(h, (D,), sd["norm.weight"], sd["norm.bias"], eps)
        pooled = h[:, 0]
    else:  # "avg": no final norm; mean of patch tokens, then fc_norm
        pooled = F.layer_norm(h[:, 1:].mean(1), (D,), sd["fc_norm.weight"], sd["fc_norm.bias"], eps)
    return F.linear(pooled, sd["head.weight"], sd["head.bias"])


def write_bin_copy():
    """hf-vit-bin/: hf-vit-cls as a PyTorch pytorch_model.bin (torch.save zip format) with the same config."""
    import shutil
    src, dst = os.path.join(ROOT, "hf-vit-cls"), os.path.join(ROOT, "hf-vit-bin")
    os.makedirs(dst, exist_ok=True)
    torch.save(load_file(os.path.join(src, "model.safetensors")), os.path.join(dst, "pytorch_model.bin"))
    shutil.copy(os.path.join(src, "config.json"), os.path.join(dst, "config.json"))


def main():
    os.makedirs(ROOT, exist_ok=True)
    names = make_images(os.path.join(ROOT, "images"))
    cfg = ViTConfig(image_size=32, patch_size=8, num_channels=3, hidden_size=32, num_hidden_layers=2,
                    num_attention_heads=4, intermediate_size=64, hidden_act="gelu", layer_norm_eps=1e-12,
                    qkv_bias=True, num_labels=5,
                    id2label={0: "tabby cat", 1: "golden retriever", 2: "teapot", 3: "volcano", 4: "daisy"},
                    label2id={"tabby cat": 0, "golden retriever": 1, "teapot": 2, "volcano": 3, "daisy": 4})
    model = ViTForImageClassification(cfg).eval()
    perturb(model)
    cls_dir = os.path.join(ROOT, "hf-vit-cls")
    model.save_pretrained(cls_dir)
    proc = ViTImageProcessor(size={"height": 32, "width": 32}, resample=2, image_mean=[0.5, 0.5, 0.5], image_std=[0.5, 0.5, 0.5])
    proc.save_pretrained(cls_dir)
    bicubic = dict(do_resize=True, size={"height": 32, "width": 32}, resample=3, do_rescale=True,
                   rescale_factor=1 / 255, do_normalize=True, image_mean=[0.485, 0.456, 0.406],
                   image_std=[0.229, 0.224, 0.225], image_processor_type="ViTImageProcessor")
    with open(os.path.join(ROOT, "preprocessor_bicubic.json"), "w") as f:
        json.dump(bicubic, f, indent=2)
    proc_bicubic = ViTImageProcessor(**{k: v for k, v in bicubic.items() if k != "image_processor_type"})

    exp = {}
    pix = []
    for n in names:
        img = Image.open(os.path.join(ROOT, "images", n)).convert("RGB")  # as transformers' load_image does
        key = n.split(".")[0]
        exp["decoded_" + key] = torch.from_numpy(np.array(img).copy())
        pv = proc(img, return_tensors="pt")["pixel_values"]
        exp["pixel_values_" + key] = pv
        exp["pixel_values_bicubic_" + key] = proc_bicubic(img, return_tensors="pt")["pixel_values"]
        pix.append(pv)
    pixel_values = torch.cat(pix, 0)
    exp["pixel_values"] = pixel_values

    with torch.no_grad():
        out = model(pixel_values=pixel_values, output_hidden_states=True)
        exp["logits"] = out.logits
        hs = out.hidden_states
        assert len(hs) == cfg.num_hidden_layers + 1, len(hs)
        for i, h in enumerate(hs):
            exp[f"hidden_states_{i}"] = h
        exp["last_hidden_state"] = model.vit.layernorm(hs[-1])

        vm = ViTModel(cfg).eval()
        sd = {k[len("vit."):]: v for k, v in model.state_dict().items() if k.startswith("vit.")}
        missing = vm.load_state_dict(sd, strict=False)
        assert set(missing.missing_keys) == {"pooler.dense.weight", "pooler.dense.bias"}, missing
        with torch.no_grad():
            vm.pooler.dense.weight.normal_(0, 0.2)
            vm.pooler.dense.bias.normal_(0, 0.1)
        vm.save_pretrained(os.path.join(ROOT, "hf-vit-model"))
        mo = vm(pixel_values=pixel_values)
        exp["model_last_hidden_state"] = mo.last_hidden_state
        exp["model_pooler_output"] = mo.pooler_output

        # timm layout, token pooling: must reproduce the HF logits exactly (same math)
        # legacy (on-disk) names, as every HF checkpoint has them; transformers 5 renames modules internally
        tsd = timm_state(load_file(os.path.join(cls_dir, "model.safetensors")), cfg)
        tl = timm_forward(tsd, pixel_values, cfg.num_attention_heads, cfg.layer_norm_eps, "token")
        assert torch.allclose(tl, out.logits, atol=1e-5), (tl - out.logits).abs().max()
        arch = {"format": "timm", "architecture": "vit_tiny_test_patch8_32", "image_size": 32, "patch_size": 8,
                "num_channels": 3, "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4,
                "intermediate_size": 64, "hidden_act": "gelu", "layer_norm_eps": 1e-12, "global_pool": "token",
                "id2label": {str(k): v for k, v in cfg.id2label.items()}}
        os.makedirs(os.path.join(ROOT, "timm-vit"), exist_ok=True)
        save_file(tsd, os.path.join(ROOT, "timm-vit", "model.safetensors"))
        with open(os.path.join(ROOT, "timm-vit", "vit_arch.json"), "w") as f:
            json.dump(arch, f, indent=2)

        # timm layout, mean pooling with fc_norm instead of the final norm
        asd = {k: v for k, v in tsd.items() if not k.startswith("norm.")}
        asd["fc_norm.weight"] = (1 + 0.1 * torch.randn(32)).contiguous()
        asd["fc_norm.bias"] = (0.1 * torch.randn(32)).contiguous()
        exp["timm_avg_logits"] = timm_forward(asd, pixel_values, 4, 1e-6, "avg")
        os.makedirs(os.path.join(ROOT, "timm-vit-avg"), exist_ok=True)
        save_file(asd, os.path.join(ROOT, "timm-vit-avg", "model.safetensors"))
        arch_avg = dict(arch, global_pool="avg", layer_norm_eps=1e-6)
        arch_avg.pop("id2label")
        with open(os.path.join(ROOT, "timm-vit-avg", "vit_arch.json"), "w") as f:
            json.dump(arch_avg, f, indent=2)

        # a different image size: HF's interpolate_pos_encoding (bicubic)
        p48 = torch.randn(2, 3, 48, 48)
        exp["pixel_values_48"] = p48
        exp["logits_48"] = model(pixel_values=p48, interpolate_pos_encoding=True).logits
        p40x24 = torch.randn(1, 3, 40, 24)
        exp["pixel_values_40x24"] = p40x24
        exp["logits_40x24"] = model(pixel_values=p40x24, interpolate_pos_encoding=True).logits

    save_file({k: v.detach().contiguous() for k, v in exp.items()}, os.path.join(ROOT, "expected.safetensors"))
    write_bin_copy()
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(ROOT) for f in fs)
    print(f"wrote {ROOT} ({total / 1e6:.2f} MB)", file=sys.stderr)


if __name__ == "__main__":
    main()
