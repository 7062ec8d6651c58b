#!/usr/bin/env python3
"""Writes the weight-IO fixtures under tests/fixtures/io (small, deterministic) and checks that a
safetensors file written by lora4j's SafetensorsWriter loads in Python.

    /work/venv/bin/python tools/reference/io_fixtures.py            # (re)write fixtures + check
    /work/venv/bin/python tools/reference/io_fixtures.py --check    # only check java_written.safetensors

expected.json lists, per fixture file, every tensor's dtype, shape and values (row-major, as float64;
bool as 0/1), which the Java tests compare against.
"""
import collections
import json
import os
import sys

import torch
from safetensors.torch import load_file, save_file

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "fixtures", "io")

DTYPES = {torch.float64: "F64", torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
          torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8",
          torch.uint8: "U8", torch.bool: "BOOL"}


def describe(t):
    return {"dtype": DTYPES[t.dtype], "shape": list(t.shape),
            "values": [float(v) for v in t.detach().reshape(-1).to(torch.float64).tolist()]}


def all_dtypes():
    g = torch.Generator().manual_seed(1)
    base = torch.randn(2, 3, generator=g)
    return collections.OrderedDict([
        ("f64", base.to(torch.float64) * 3),
        ("f32", base * 2 + 0.25),
        ("f16", (base * 4).to(torch.float16)),
        ("bf16", (base * 8).to(torch.bfloat16)),
        ("i64", torch.tensor([[-(2 ** 40), 1, 2], [3, 4, 2 ** 33]], dtype=torch.int64)),
        ("i32", torch.tensor([-7, 0, 7, 2 ** 30], dtype=torch.int32)),
        ("i16", torch.tensor([-300, 300], dtype=torch.int16)),
        ("i8", torch.tensor([-128, 5, 127], dtype=torch.int8)),
        ("u8", torch.tensor([0, 200, 255], dtype=torch.uint8)),
        ("bool", torch.tensor([True, False, True])),
        ("scalar", torch.tensor(1.5)),
        ("empty", torch.zeros(0, 4)),
    ])


def main():
    check_only = "--check" in sys.argv
    expected = {}
    if not check_only:
        os.makedirs(OUT, exist_ok=True)
        t = all_dtypes()
        save_file(t, os.path.join(OUT, "all_dtypes.safetensors"), metadata={"format": "pt", "source": "io_fixtures.py"})
        expected["all_dtypes.safetensors"] = {k: describe(v) for k, v in t.items()}

        # sharded model directory
        g = torch.Generator().manual_seed(2)
        sd = {"encoder.weight": torch.randn(4, 3, generator=g), "encoder.bias": torch.randn(4, generator=g),
              "decoder.weight": torch.randn(3, 4, generator=g).to(torch.bfloat16)}
        shard_dir = os.path.join(OUT, "sharded")
        os.makedirs(shard_dir, exist_ok=True)
        save_file({k: sd[k] for k in ["encoder.weight", "encoder.bias"]}, os.path.join(shard_dir, "model-00001-of-00002.safetensors"), metadata={"format": "pt"})
        save_file({"decoder.weight": sd["decoder.weight"]}, os.path.join(shard_dir, "model-00002-of-00002.safetensors"), metadata={"format": "pt"})
        with open(os.path.join(shard_dir, "model.safetensors.index.json"), "w") as f:
            json.dump({"metadata": {"total_size": 0}, "weight_map": {"encoder.weight": "model-00001-of-00002.safetensors",
                       "encoder.bias": "model-00001-of-00002.safetensors", "decoder.weight": "model-00002-of-00002.safetensors"}}, f, indent=2)
        expected["sharded"] = {k: describe(v) for k, v in sd.items()}

        # sharded PyTorch model directory (pytorch_model.bin.index.json), as older HF checkpoints ship
        bdir = os.path.join(OUT, "sharded_bin")
        os.makedirs(bdir, exist_ok=True)
        torch.save({k: sd[k] for k in ["encoder.weight", "encoder.bias"]}, os.path.join(bdir, "pytorch_model-00001-of-00002.bin"))
        torch.save({"decoder.weight": sd["decoder.weight"]}, os.path.join(bdir, "pytorch_model-00002-of-00002.bin"))
        with open(os.path.join(bdir, "pytorch_model.bin.index.json"), "w") as f:
            json.dump({"metadata": {"total_size": 0}, "weight_map": {"encoder.weight": "pytorch_model-00001-of-00002.bin",
                       "encoder.bias": "pytorch_model-00001-of-00002.bin", "decoder.weight": "pytorch_model-00002-of-00002.bin"}}, f, indent=2)
        expected["sharded_bin"] = expected["sharded"]

        # torch.save state dict: several dtypes, a Parameter, a transposed (non-contiguous) tensor,
        # two views sharing one storage, a slice at a storage offset
        g = torch.Generator().manual_seed(3)
        big = torch.randn(5, 4, generator=g)
        state = collections.OrderedDict([
            ("layer.weight", torch.randn(3, 2, generator=g)),
            ("layer.bias", torch.nn.Parameter(torch.randn(3, generator=g))),
            ("half", torch.randn(2, 2, generator=g).to(torch.float16)),
            ("bf", torch.randn(2, 3, generator=g).to(torch.bfloat16)),
            ("ids", torch.arange(5, dtype=torch.int64)),
            ("mask", torch.tensor([True, False])),
            ("transposed", torch.randn(2, 3, generator=g).t()),
            ("big", big),
            ("rows", big[1:3]),
        ])
        torch.save(state, os.path.join(OUT, "state_dict.bin"))
        expected["state_dict.bin"] = {k: describe(v) for k, v in state.items()}

        # nested dict, as training scripts and the GLoRA reference save
        nested = {"state_dict": collections.OrderedDict([("blocks.0.mlp.fc1.Au", torch.randn(2, 3, generator=g)),
                                                         ("head.weight", torch.randn(2, 2, generator=g))]),
                  "epoch": 3, "arch": "vit", "best": [0.5, 1]}
        torch.save(nested, os.path.join(OUT, "nested.pt"))
        expected["nested.pt"] = {"state_dict." + k: describe(v) for k, v in nested["state_dict"].items()}

        # PEFT-style adapter directory with the old .bin format
        adir = os.path.join(OUT, "adapter_bin")
        os.makedirs(adir, exist_ok=True)
        ad = collections.OrderedDict([("base_model.model.encoder.block.0.layer.0.SelfAttention.q.lora_A.weight", torch.randn(2, 4, generator=g)),
                                      ("base_model.model.encoder.block.0.layer.0.SelfAttention.q.lora_B.weight", torch.randn(4, 2, generator=g))])
        torch.save(ad, os.path.join(adir, "adapter_model.bin"))
        with open(os.path.join(adir, "adapter_config.json"), "w") as f:
            json.dump({"peft_type": "LORA", "r": 2, "lora_alpha": 4, "target_modules": ["q"]}, f)
        expected["adapter_bin"] = {k: describe(v) for k, v in ad.items()}

        # legacy (non-zip, torch < 1.6) format: storages after five pickles
        base = torch.randn(6, generator=g)
        legacy = collections.OrderedDict([("w", torch.randn(2, 3, generator=g)), ("p", torch.nn.Parameter(torch.randn(3, generator=g))),
                                          ("bf", torch.randn(4, generator=g).to(torch.bfloat16)), ("ids", torch.tensor([3, -1], dtype=torch.int64)),
                                          ("tail", base[2:5]), ("t", torch.randn(2, 3, generator=g).t())])
        torch.save(legacy, os.path.join(OUT, "legacy.pt"), _use_new_zipfile_serialization=False)
        expected["legacy.pt"] = {k: describe(v) for k, v in legacy.items()}

        # a dtype lora4j does not support (torch writes _rebuild_tensor_v3 + torch.uint16): a clear error
        torch.save({"u": torch.zeros(3, dtype=torch.uint16)}, os.path.join(OUT, "uint16.pt"))

        # a checkpoint whose pickle names another class (os.system): must be refused, never run
        class Evil:
            def __reduce__(self):
                return (os.system, ("echo pwned",))
        torch.save({"w": torch.ones(2), "x": Evil()}, os.path.join(OUT, "evil.bin"))

        with open(os.path.join(OUT, "expected.json"), "w") as f:
            json.dump(expected, f, indent=1)
        print("wrote fixtures to", OUT)

    # The Java writer's output (committed by the Java test IoWriterTest, byte-identical to what
    # SafetensorsWriter writes today) must load in Python with the values the test put in.
    jw = os.path.join(OUT, "java_written.safetensors")
    if os.path.exists(jw):
        from safetensors import safe_open
        t = load_file(jw)
        with safe_open(jw, "pt") as f:
            meta = f.metadata()
        assert meta == {"format": "pt", "writer": "lora4j"}, meta
        ar = torch.arange(12, dtype=torch.float32).reshape(3, 4) * 0.5 - 2
        assert torch.equal(t["f32"], ar), t["f32"]
        assert t["bf16"].dtype == torch.bfloat16 and torch.equal(t["bf16"], ar.to(torch.bfloat16))
        assert t["f16"].dtype == torch.float16 and torch.equal(t["f16"], ar.to(torch.float16))
        assert t["i64"].dtype == torch.int64 and t["i64"].tolist() == [-5, 0, 5, 2 ** 40]
        assert t["i32"].dtype == torch.int32 and t["i32"].tolist() == [[1, 2], [3, -4]]
        assert t["u8"].dtype == torch.uint8 and t["u8"].tolist() == [0, 7, 255]
        assert t["bool"].dtype == torch.bool and t["bool"].tolist() == [True, False]
        print("java_written.safetensors loads in Python safetensors with the expected values: OK")
    else:
        print("java_written.safetensors not present yet (run the Java IoWriterTest first)")


if __name__ == "__main__":
    main()
