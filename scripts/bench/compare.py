#!/usr/bin/env python3
"""Compare `rlhf bench model` results with the PyTorch peer (scripts/bench/peer_torch.py).

  compare.py OURS.jsonl TORCH.jsonl [...]

Reads JSON lines from every file given ("-" for stdin; lines that are not JSON objects are
skipped), keyed by "impl" ("rlhf" = ours, "torch" = peer), "config" and "threads".  When a key
appears more than once (`scripts/bench/model --rounds R` alternates ours and the peer R times),
each numeric figure is the median over those rounds, so that a burst of load on this shared
machine moves one round, not the result.  Prints one Markdown table per (config, threads) with
our figure, torch's, and the ratio ours/theirs.
"""

import json
import statistics
import sys

METRICS = [
    # key, label, format, better
    ("train_tokens_per_s", "train tokens/s", "{:,.0f}", "higher"),
    ("score_tokens_per_s", "score tokens/s", "{:,.0f}", "higher"),
    ("generate_tokens_per_s", "generate tokens/s", "{:,.0f}", "higher"),
    ("train_mfu", "train MFU", "{:.1%}", "higher"),
    ("peak_rss_mb", "peak RSS (MB)", "{:,.0f}", "lower"),
]
OPTIONAL_METRICS = [
    # printed only when at least one side has them
    ("peak_rss_mb_config", "peak RSS, this config only (MB)", "{:,.0f}", "lower"),
]
OURS, PEER = "rlhf", "torch"
CONFIG_ORDER = ["stories260k", "small", "medium", "large"]


def read_records(paths):
    rounds = {}
    order = []
    for path in paths:
        f = sys.stdin if path == "-" else open(path)
        with f:
            for line in f:
                line = line.strip()
                if not line.startswith("{"):
                    continue
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if not isinstance(rec, dict) or "impl" not in rec or "config" not in rec:
                    continue
                key = (rec["config"], rec.get("threads"))
                if key not in order:
                    order.append(key)
                rounds.setdefault((rec["impl"], *key), []).append(rec)
    return {key: merge_rounds(recs) for key, recs in rounds.items()}, order


def merge_rounds(recs):
    """The last record, with each numeric figure replaced by its median over all records."""
    merged = dict(recs[-1])
    for name, value in merged.items():
        values = [r[name] for r in recs if isinstance(r.get(name), (int, float)) and not isinstance(r.get(name), bool)]
        if isinstance(value, (int, float)) and not isinstance(value, bool) and len(values) == len(recs):
            merged[name] = statistics.median(values)
    merged["rounds"] = len(recs)
    return merged


def fmt(value, spec):
    if value is None:
        return "–"
    try:
        return spec.format(value)
    except (ValueError, TypeError):
        return str(value)


def ratio(ours, theirs):
    if not isinstance(ours, (int, float)) or not isinstance(theirs, (int, float)) or theirs == 0:
        return "–"
    return f"{ours / theirs:.2f}×"


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if len(argv) >= 2 else 2
    records, order = read_records(argv[1:])
    if not order:
        print("no benchmark records found", file=sys.stderr)
        return 1
    order.sort(key=lambda k: (CONFIG_ORDER.index(k[0]) if k[0] in CONFIG_ORDER else len(CONFIG_ORDER),
                              k[0], k[1] if isinstance(k[1], int) else 0))
    for config, threads in order:
        ours = records.get((OURS, config, threads), {})
        peer = records.get((PEER, config, threads), {})
        title = f"### {config}" + (f" ({threads} thread{'s' if threads != 1 else ''})" if threads is not None else "")
        print(title)
        notes = []
        if ours.get("rounds", 1) > 1 or peer.get("rounds", 1) > 1:
            notes.append(f"medians over {ours.get('rounds', 0)} (ours) and {peer.get('rounds', 0)} (torch) alternating rounds")
        if peer.get("attn"):
            notes.append(f"torch attention: {peer['attn']}")
        for who, rec in (("ours", ours), ("torch", peer)):
            if rec.get("sgemm_gflops") is not None:
                notes.append(f"{who} sgemm {rec['sgemm_gflops']:.1f} GFLOP/s")
        if peer.get("torch"):
            notes.append(f"torch {peer['torch']}, transformers {peer.get('transformers', '?')}")
        if not ours:
            notes.append("no rlhf record")
        if not peer:
            notes.append("no torch record")
        if notes:
            print()
            print("; ".join(notes))
        print()
        print("| metric | ours (rlhf) | torch | ours/torch | better |")
        print("|---|---:|---:|---:|---|")
        metrics = METRICS + [m for m in OPTIONAL_METRICS
                             if ours.get(m[0]) is not None or peer.get(m[0]) is not None]
        for key, label, spec, better in metrics:
            a, b = ours.get(key), peer.get(key)
            print(f"| {label} | {fmt(a, spec)} | {fmt(b, spec)} | {ratio(a, b)} | {better} |")
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
