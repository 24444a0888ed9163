#!/usr/bin/env python3
"""Usage: python3 fuzz/make_corpus.py
Writes the seed inputs of rlhf-fuzz into fuzz/corpus/<parser>/: small well-formed files of every
format the parsers read (mutations of them reach deeper than random bytes). Deterministic; run it
again after a format changes. Standard library only."""
import gzip, hashlib, json, os, shutil, struct

ROOT = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(ROOT, "corpus")
REPO = os.path.dirname(ROOT)


def put(parser, name, data):
    os.makedirs(os.path.join(CORPUS, parser), exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(CORPUS, parser, name), "wb") as f:
        f.write(data)


def copy(parser, name, source):
    with open(os.path.join(REPO, source), "rb") as f:
        put(parser, name, f.read())


JSONL = {
    "sft.jsonl": '{"prompt": "Tell a story.", "completion": " Once upon a time."}\n'
                 '{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}, '
                 '{"role": "assistant", "content": "Hello!"}]}\n\n',
    "preferences.jsonl": '{"prompt": "Q?", "chosen": " yes", "rejected": " no"}\n'
                         '{"chosen": "\\n\\nHuman: hi\\n\\nAssistant: hello", "rejected": "\\n\\nHuman: hi\\n\\nAssistant: go away"}\n',
    "prompts.jsonl": '{"prompt": "Review the blue kettle."}\n{"prompt": "\\u00e9t\\u00e9 \\ud83d\\ude00"}\n',
    "text.jsonl": '{"text": "One document."}\n{"text": "Another, with \\"quotes\\" and \\\\ slashes."}\n',
    "candidates.jsonl": '{"id": "p1", "prompt": "Review the kettle.", "a": "It is good.", "b": "It is bad."}\n',
}


def safetensors(tensors, metadata=None):
    header, blob = {}, b""
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(blob), len(blob) + len(raw)]}
        blob += raw
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + blob


def llama2c(dim, hidden, layers, heads, kv_heads, vocab, seq_len):
    head = dim // heads
    counts = [vocab * dim, layers * dim, layers * dim * dim, layers * dim * kv_heads * head,
              layers * dim * kv_heads * head, layers * dim * dim, layers * dim,
              layers * hidden * dim, layers * dim * hidden, layers * hidden * dim, dim,
              seq_len * head // 2, seq_len * head // 2]
    if vocab < 0:
        counts.append(-vocab * dim)
    floats = sum(abs(c) for c in counts)
    return struct.pack("<7i", dim, hidden, layers, heads, kv_heads, vocab, seq_len) + \
        b"".join(struct.pack("<f", (i % 7) * 0.01) for i in range(floats))


def tokenizer_bin(pieces, max_len):
    out = struct.pack("<i", max_len)
    for i, piece in enumerate(pieces):
        out += struct.pack("<fi", -float(i), len(piece)) + piece
    return out


def message(kind, body):
    return b"RLHM" + bytes([1, kind]) + body


def i64(v):
    return struct.pack("<q", v)


def ints32(values):
    return i64(len(values)) + struct.pack(f"<{len(values)}i", *values)


def floats(values):
    return i64(len(values)) + struct.pack(f"<{len(values)}f", *values)


def main():
    shutil.rmtree(CORPUS, ignore_errors=True)
    for name, text in JSONL.items():
        put("jsonl", name, text)
        put("jsonl-gz", name + ".gz", gzip.compress(text.encode(), mtime=0))
    for name in ["corpus.jsonl", "sft.jsonl", "preferences.jsonl", "prompts.jsonl"]:
        copy("jsonl", "fixture-" + name, "Tests/RLHFDataTests/Fixtures/data/" + name)

    for name in ["sft-stories260k.yaml", "rm-hh.yaml", "ppo-stories260k.yaml", "pretrain-shakespeare.yaml", "demo-ci.yaml"]:
        copy("yaml-config", name, "configs/" + name)

    f32 = struct.pack("<6f", 1, -2, 3.5, 0, 1e-3, 7)
    put("safetensors", "f32.safetensors", safetensors([("model.norm.weight", "F32", [2, 3], f32)], {"format": "pt"}))
    put("safetensors", "mixed.safetensors", safetensors([
        ("a", "F16", [2], struct.pack("<2e", 1.0, -0.5)),
        ("b", "BF16", [1, 2], b"\x80\x3f\x00\xc0"),
        ("c", "I64", [1], i64(-3)),
        ("d", "I32", [0], b""),
        ("e", "F32", [], struct.pack("<f", 2.0)),
    ]))

    copy("hf-config", "tied.json", "Tests/RLHFCoreTests/Fixtures/tied/config.json")
    copy("hf-config", "scalar.json", "Tests/RLHFCoreTests/Fixtures/scalar/config.json")

    put("llama2c-model", "tied.bin", llama2c(8, 16, 1, 2, 1, 12, 4))
    put("llama2c-model", "untied.bin", llama2c(8, 16, 2, 2, 2, -10, 2))

    for name in ["bytelevel.json", "bytefallback.json", "metaspace.json", "bytelevel_prefix.json"]:
        copy("tokenizer-json", name, "Tests/RLHFDataTests/Fixtures/tokenizer/" + name)

    pieces = [b"<unk>", b"<s>", b"</s>"] + [bytes([b]) for b in b"<0x0A> abcdeilnoprstu"] + \
        [b"<0x41>", b"\xe2\x96\x81", b"on", b"ce", b"\xe2\x96\x81on", b"up", b"upon"]
    put("tokenizer-bin", "small.bin", tokenizer_bin(pieces, 6))
    put("tokenizer-bin", "minimal.bin", tokenizer_bin([b"<unk>", b"<s>", b"</s>"], 5))

    put("messages", "scoring-request.bin", message(1, i64(3) + i64(2) + ints32([1, 5, 9]) + ints32([1, 4]) +
                                                   i64(2) + struct.pack("<2q", 1, 1)))
    put("messages", "logprobs-reply.bin", message(2, i64(3) + i64(2) + floats([-0.5, -1.25]) + floats([-2.0])))
    put("messages", "scores-reply.bin", message(3, i64(3) + floats([0.5, -1.5])))
    experience = ints32([1, 7]) + ints32([8, 2]) + floats([-0.1, -0.2]) + floats([-0.3, -0.4]) + \
        struct.pack("<f", 1.5) + b"\x01" + i64(4)
    put("messages", "experience-batch.bin", message(4, i64(3) + i64(0) + i64(1) + experience))
    put("messages", "step-report.bin", message(5, i64(3) + floats([0.5, 0.25, 1.0]) + i64(64) + struct.pack("<f", 1e-6)))

    state = b'{"step": 2}\n'
    manifest = {"created": "2026-11-29T12:00:00Z", "files": {"state.json": {
        "bytes": len(state), "sha256": hashlib.sha256(state).hexdigest()}}, "format_version": 1, "step": 2}
    put("manifest", "valid.json", json.dumps(manifest, indent=2, sort_keys=True))
    manifest["files"]["missing/model.safetensors"] = {"bytes": 10, "sha256": "00" * 32}
    put("manifest", "missing-file.json", json.dumps(manifest, sort_keys=True))


if __name__ == "__main__":
    main()
