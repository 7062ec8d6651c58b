#!/usr/bin/env python3
"""Writes the tokenizer parity fixtures to tests/fixtures/tokenizer/.

1. Trains a small SentencePiece Unigram model (nmt_nfkc normalization, 1000 pieces, T5's special ids:
   pad=0, eos=1, unk=2) on deterministic text (Python's own stdlib source prose plus multilingual lines).
2. Converts it with transformers' T5 tokenizer (T5TokenizerFast) exactly as `from_pretrained` does for a
   directory that holds only spiece.model, and saves tokenizer.json.
3. Writes corpus.jsonl: several hundred lines (accents, full-width and compatibility characters, combining
   marks, emoji, tabs/newlines/multiple spaces, digits, very long words, empty strings, special tokens in the
   text) with the ids HF produces and the decoded text (skip_special_tokens True and False).
4. variants.json: alternative normalizer / pre-tokenizer / decoder sections (as older converters and other
   tokenizer.json files use them) with the ids the `tokenizers` library produces for each corpus line.

Run: /work/venv/bin/python tools/reference/tokenizer_fixtures.py   (deterministic; needs sentencepiece, protobuf,
transformers, tokenizers).
"""
import glob
import json
import os
import random
import shutil
import tempfile

import sentencepiece as spm
import tokenizers
import transformers
from transformers import T5TokenizerFast

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "fixtures", "tokenizer")

MULTILINGUAL = [
    "Le café est très bon, naïve façade à Zürich et São Paulo.",
    "Dvořák, Łódź, Ångström, smørrebrød, crème brûlée, jalapeño, Ærøskøbing.",
    "Der Straßenbahnfahrer fährt über die Brücke; Öl, Äpfel und Übermut.",
    "El niño pequeño comió una piña y un acaí en la montaña.",
    "Привет, как дела? Это тестовая строка на русском языке.",
    "Καλημέρα κόσμε, αυτή είναι μια δοκιμή.",
    "日本語のテキストを分割します。東京は大きい都市です。",
    "中文文本测试，这是一个句子。",
    "한국어 문장을 토큰화합니다.",
    "هذه جملة باللغة العربية.",
    "זהו משפט בעברית.",
    "यह एक हिंदी वाक्य है।",
    "ประโยคภาษาไทย",
    "Numbers: 0 1 2 3 4 5 6 7 8 9 10 100 1000 2026 3.14159 -42 1e-5 $19.99 50%",
]

CORPUS_FIXED = [
    "", " ", "  ", "\t", "\n", " \t\n ", "\r\n",
    "Hello world", "Hello  world", "Hello   world  ", "  leading spaces", "trailing spaces   ",
    "tab\tseparated\tvalues", "new\nline", "multi\n\n\nline\r\nbreaks", "mixed \t \n whitespace",
    "non\u00a0breaking\u00a0space", "em\u2003space", "ideographic\u3000space", "zero\u200bwidth\u200bspace",
    "narrow\u202fno-break", "line\u2028separator", "soft\u00adhyphen", "bom\ufeffinside",
    "café", "cafe\u0301", "naïve", "nai\u0308ve", "Ångström", "A\u030angstro\u0308m", "São Paulo", "Zürich",
    "ﬁnance ﬂow ﬀ", "①②③ ⑳", "™ ℠ © ®", "½ ¼ ¾ ⅓", "Ⅻ ⅻ Ⅳ", "㎏ ㎞ ㍻ ㈱", "ｶﾀｶﾅ ﾊﾟﾋﾟ", "ＡＢＣ　ｘｙｚ　１２３",
    "ｈｅｌｌｏ，ｗｏｒｌｄ！", "x² y³ H₂O", "…", "“quoted” ‘single’ «guillemets» „low“", "—dash– - ‐ ‑ ‒",
    "Z\u0351\u0362a\u0337\u0353l\u0336\u0355g\u0334\u031co\u0335", "e\u0301\u0302\u0303", "\u0301 leading combining",
    "👍", "👍🏽 thumbs", "👨\u200d👩\u200d👧\u200d👦 family", "🏳️\u200d🌈", "❤️ love", "🇩🇪🇫🇷 flags", "emoji😀in😀words",
    "1234567890", "3.14159", "2026-12-02T00:50:00Z", "+1 (555) 123-4567", "0x1F 0b1010 1e10", "1,000,000.00",
    "a" * 300, "Pneumonoultramicroscopicsilicovolcanoconiosis", "supercalifragilisticexpialidocious" * 3,
    "</s>", "<pad>", "<unk>", "<extra_id_0>", "<extra_id_3>", "<extra_id_99>", "<extra_id_100>", "<extra_id_>",
    "Hello </s> world", "a</s>b", "</s></s>", " </s> ", "<pad><unk></s>", "The <extra_id_0> walks in <extra_id_1> park",
    "<extra_id_0>cute dog<extra_id_1> the <extra_id_2>", "< /s>", "<s>", "</S>", "<extra_id_3>text<extra_id_3>",
    "translate English to German: The house is wonderful.", "summarize: studies have shown that owning a dog is good for you",
    "question: What is the capital of France? context: Paris is the capital of France.",
    "C:\\path\\to\\file.txt", "https://example.com/a?b=c&d=e#f", "user@example.com", "def f(x): return x ** 2",
    "{\"json\": [1, 2, 3]}", "<html><body>tag</body></html>", "___ underscores ___", "▁ already metaspace ▁▁",
    "ctrl\u0001chars\u0007here\u001b[0m", "null\u0000byte", "\u0085next line", "\u00adonly soft hyphen",
    "İstanbul ıi", "ß ẞ", "Ǆ ǅ ǆ", "ﬆ", "ǰ", "ΐ", "ꭰ", "𝐀𝐁𝐂 𝒳 𝔸", "𠀀𠀁 rare CJK", "\U0001F600" * 5,
]

CHARS = ("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789     .,;:!?'\"()-_/\\\t\n"
         "éèêëàâäçñöüßøåæœÉÀÇÑÖÜ" "ＡＢＣａｂｃ１２３　" "ﬁﬂ①②™½㎏ｶﾀ" "\u0301\u0308\u0303" "😀👍🏽❤️\u200d"
         "日本語中文한국어русскийελληνικά" "\u00a0\u2003\u200b\u3000")


def train_text():
    lines = []
    for f in sorted(glob.glob("/usr/lib/python3.11/*.py"))[:60]:
        with open(f, encoding="utf-8", errors="replace") as fh:
            lines += [l.strip() for l in fh if l.strip()]
    lines = lines[:20000]
    lines += MULTILINGUAL * 20
    return lines


def corpus():
    rnd = random.Random(1234)
    lines = list(CORPUS_FIXED) + list(MULTILINGUAL)
    prose = train_text()[:20000]
    for _ in range(150):  # lines of the training text, and pieces of them glued in odd ways
        a = rnd.choice(prose)
        if rnd.random() < 0.3:
            a = a.upper()
        if rnd.random() < 0.3:
            a = a.replace(" ", rnd.choice(["  ", "\t", " \n ", "\u3000", "   "]))
        lines.append(a)
    for _ in range(150):  # random character soup
        n = rnd.randint(0, 60)
        lines.append("".join(rnd.choice(CHARS) for _ in range(n)))
    for _ in range(40):  # special tokens inside text
        words = [rnd.choice(["</s>", "<pad>", "<unk>", f"<extra_id_{rnd.randint(0, 99)}>", "word", "Wörter", " ", "ｘ"])
                 for _ in range(rnd.randint(1, 8))]
        lines.append(rnd.choice(["", " "]).join(words))
    return lines


def userdef_fixture():
    """A tiny spiece.model with user-defined and control pieces and a small custom normalization rule set
    (A->a, e+U+0301->é, ﬁ->fi, U+200B removed, U+3000->space; transformers 5 cannot load an empty charsmap),
    converted by T5TokenizerFast: spiece_userdef.model + userdef.jsonl (ids and decoded text from HF)."""
    work = os.path.join(tempfile.gettempdir(), "lora4j_tokenizer_fixtures_userdef")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    try:
        with open(os.path.join(work, "train.txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(MULTILINGUAL[:4] * 30 + ["the cat sat on the mat", "a dog and a cat"] * 30))
        with open(os.path.join(work, "rules.tsv"), "w", encoding="utf-8") as f:
            f.write("41\t61\n65 301\tE9\nFB01\t66 69\n200B\t\n3000\t20\n")
        spm.SentencePieceTrainer.train(
            input=os.path.join(work, "train.txt"), model_prefix=os.path.join(work, "spiece"), vocab_size=120,
            model_type="unigram", normalization_rule_tsv=os.path.join(work, "rules.tsv"), pad_id=0, eos_id=1, unk_id=2, bos_id=-1,
            user_defined_symbols=["<sep>", "cat"], control_symbols=["<cls>"], character_coverage=1.0,
            num_threads=1, minloglevel=2, hard_vocab_limit=False)
        model_dir = os.path.join(work, "model")
        os.makedirs(model_dir)
        shutil.copy(os.path.join(work, "spiece.model"), model_dir)
        shutil.copy(os.path.join(work, "spiece.model"), os.path.join(OUT, "spiece_userdef.model"))
        tok = T5TokenizerFast.from_pretrained(model_dir)
        texts = ["the cat sat", "concatenate <sep> the <cls> mat", "<cls>cat<sep>", "Cat CAT cats", "  the  mat  ",
                 "café naïve ü cafe\u0301", "</s> <extra_id_5> x", "", "dog\tand\ncat", "ＡＢＣ ① \ufb01 A\u200bA\u3000a"]
        with open(os.path.join(OUT, "userdef.jsonl"), "w", encoding="utf-8") as f:
            for text in texts:
                ids = tok(text).input_ids
                f.write(json.dumps({"text": text, "ids": ids, "decoded_skip": tok.decode(ids, skip_special_tokens=True),
                                    "decoded": tok.decode(ids, skip_special_tokens=False)}, ensure_ascii=False) + "\n")
    finally:
        shutil.rmtree(work)


def main():
    os.makedirs(OUT, exist_ok=True)
    userdef_fixture()
    work = os.path.join(tempfile.gettempdir(), "lora4j_tokenizer_fixtures")  # fixed: spiece.model records the path
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    try:
        with open(os.path.join(work, "train.txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(train_text()))
        spm.SentencePieceTrainer.train(
            input=os.path.join(work, "train.txt"), model_prefix=os.path.join(work, "spiece"), vocab_size=1000,
            model_type="unigram", normalization_rule_name="nmt_nfkc", pad_id=0, eos_id=1, unk_id=2, bos_id=-1,
            character_coverage=0.9995, seed_sentencepiece_size=100000, num_threads=1, minloglevel=2)
        model_dir = os.path.join(work, "model")
        os.makedirs(model_dir)
        shutil.copy(os.path.join(work, "spiece.model"), model_dir)
        tok = T5TokenizerFast.from_pretrained(model_dir)  # converts spiece.model as HF does
        tok.save_pretrained(os.path.join(work, "saved"))
        shutil.copy(os.path.join(work, "spiece.model"), os.path.join(OUT, "spiece.model"))
        shutil.copy(os.path.join(work, "saved", "tokenizer.json"), os.path.join(OUT, "tokenizer.json"))
        shutil.copy(os.path.join(work, "saved", "tokenizer_config.json"), os.path.join(OUT, "tokenizer_config.json"))
    finally:
        shutil.rmtree(work)

    tok = T5TokenizerFast.from_pretrained(OUT)  # loads tokenizer.json (as users do)
    raw = tokenizers.Tokenizer.from_file(os.path.join(OUT, "tokenizer.json"))
    lines = corpus()
    with open(os.path.join(OUT, "corpus.jsonl"), "w", encoding="utf-8") as f:
        for text in lines:
            ids = tok(text).input_ids
            assert raw.encode(text).ids == ids, text  # transformers and tokenizers agree
            rec = {
                "text": text,
                "ids": ids,
                "decoded_skip": tok.decode(ids, skip_special_tokens=True),
                "decoded": tok.decode(ids, skip_special_tokens=False),
            }
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")

    # batches: truncation keeps </s>, right padding with <pad>, attention masks (HF tokenizer(list, ...))
    batch_texts = [lines[7], lines[60], "", "translate English to German: The house is wonderful.", "a " * 40, "<extra_id_0> x"]
    batches = []
    for max_length, padding in [(12, "longest"), (12, "max_length"), (None, "longest"), (5, "do_not_pad")]:
        enc = tok(batch_texts, max_length=max_length, truncation=max_length is not None, padding=padding)
        batches.append({"texts": batch_texts, "max_length": max_length, "padding": padding,
                        "input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"]})
    with open(os.path.join(OUT, "batch.json"), "w", encoding="utf-8") as f:
        json.dump(batches, f, ensure_ascii=False)

    base = json.load(open(os.path.join(OUT, "tokenizer.json"), encoding="utf-8"))
    charsmap = base["normalizer"]["precompiled_charsmap"]
    variants = {
        # the layout transformers 4.2x's SpmConverter wrote for T5 (FLAN-T5 era): no WhitespaceSplit, so
        # trailing/multiple spaces give extra "▁" tokens with the tokenizers library; transformers 5 ignores
        # these sections and rebuilds Precompiled + WhitespaceSplit + Metaspace ("expected_transformers")
        "t5_hub_layout": {
            "normalizer": {"type": "Sequence", "normalizers": [
                {"type": "Precompiled", "precompiled_charsmap": charsmap},
                {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "}]},
            "pre_tokenizer": {"type": "Metaspace", "replacement": "\u2581", "add_prefix_space": True},
            "decoder": {"type": "Metaspace", "replacement": "\u2581", "add_prefix_space": True},
            "transformers": True,
        },
        "nfkc_lowercase_first_nosplit": {
            "normalizer": {"type": "Sequence", "normalizers": [
                {"type": "NFKC"}, {"type": "Lowercase"},
                {"type": "Replace", "pattern": {"String": "``"}, "content": "\""},
                {"type": "Strip", "strip_left": True, "strip_right": True}]},
            "pre_tokenizer": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "first", "split": False},
            "decoder": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "first", "split": False},
        },
        "no_normalizer_never": {
            "normalizer": None,
            "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
                {"type": "WhitespaceSplit"},
                {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "never", "split": True}]},
            "decoder": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "never", "split": True},
        },
        "nfd_byte_fallback": {
            "normalizer": {"type": "NFD"},
            "byte_fallback": True,
            "pre_tokenizer": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True},
            "decoder": {"type": "Sequence", "decoders": [
                {"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "},
                {"type": "ByteFallback"}, {"type": "Fuse"}, {"type": "Strip", "content": " ", "start": 1, "stop": 0}]},
        },
    }
    out = {}
    for name, v in variants.items():
        d = json.loads(json.dumps(base))
        for k in ("normalizer", "pre_tokenizer", "decoder"):
            d[k] = v[k]
        if v.get("byte_fallback"):
            # add byte pieces <0x00>..<0xFF> at the end of the vocab so byte fallback has something to use
            d["model"]["byte_fallback"] = True
            d["model"]["vocab"] += [[f"<0x{b:02X}>", -20.0] for b in range(256)]
        t = tokenizers.Tokenizer.from_str(json.dumps(d))
        exp = []
        for text in lines:
            ids = t.encode(text).ids
            exp.append({"ids": ids, "decoded_skip": t.decode(ids, skip_special_tokens=True)})
        vv = dict(v)
        if v.get("transformers"):  # what transformers 5's AutoTokenizer gives for a directory with this file
            with tempfile.TemporaryDirectory() as tmp:
                with open(os.path.join(tmp, "tokenizer.json"), "w", encoding="utf-8") as f:
                    json.dump(d, f)
                shutil.copy(os.path.join(OUT, "tokenizer_config.json"), tmp)
                auto = transformers.AutoTokenizer.from_pretrained(tmp)
                assert type(auto).__name__ == "T5Tokenizer", type(auto)
                ids_t = [auto(text).input_ids for text in lines]
                # stored sparsely: only the lines where transformers 5 differs from the tokenizers library
                exp_t = {}
                for k, i in enumerate(ids_t):
                    e = {"ids": i, "decoded_skip": auto.decode(i, skip_special_tokens=True)}
                    if e != exp[k]:
                        exp_t[str(k)] = e
                print(name, sum(a["ids"] != b for a, b in zip(exp, ids_t)), "lines differ between tokenizers and transformers")
        if "precompiled_charsmap" in json.dumps(vv):  # keep the fixture small: the test substitutes the base charsmap
            vv = json.loads(json.dumps(vv).replace(charsmap, "$BASE_CHARSMAP"))
        vv.pop("transformers", None)
        out[name] = {"sections": vv, "expected": exp}
        if v.get("transformers"):
            out[name]["expected_transformers_where_different"] = exp_t
    with open(os.path.join(OUT, "variants.json"), "w", encoding="utf-8") as f:
        json.dump({"tokenizers_version": tokenizers.__version__, "transformers_version": transformers.__version__,
                   "variants": out}, f, ensure_ascii=False, separators=(",", ":"))
    print("wrote", OUT, len(lines), "lines")


if __name__ == "__main__":
    main()
