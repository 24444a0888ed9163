#!/usr/bin/env python3
"""Ours against the peers, in the same run, on the same shapes and thread count.

  scripts/bench/peers.py [--configs small] [--threads 1] [--repeats 5] [--iterations 3] [--jsonl FILE]

For each config: `rlhf bench model` then PyTorch + transformers (scripts/bench/peer_torch.py:
training step, scoring, generate), back to back; then `rlhf bench ppo` then TRL's PPO trainer
(scripts/bench/peer_trl.py: one iteration with policy, reference, reward and value models),
back to back, so each pair sees the same machine load.  Prints Markdown tables with ours, theirs
and the ratio ours/theirs for every figure, the PPO target checks, and the machine and versions;
--jsonl also keeps every raw JSON line.  Needs the release build (scripts/setup), torch,
transformers and trl 1.12 (pip install "torch==2.13.0+cpu" transformers trl==1.12.0).
"""

import argparse
import json
import os
import platform
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BINARY = os.path.join(ROOT, ".build", "release", "rlhf")
sys.path.insert(0, HERE)
import compare  # noqa: E402  (the model table)

# PPO targets of issue 6: at least this many times faster than TRL, and within this factor of
# the iteration's FLOPs at the measured sgemm rate.
TARGET_SPEEDUP_OVER_TRL = 2.5
TARGET_OVER_PEAK = 1.5


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run_json(command, env):
    """Runs `command`, passing its stderr through, and returns the JSON objects it printed."""
    log("peers: " + " ".join(command))
    out = subprocess.run(command, env=env, stdout=subprocess.PIPE, text=True, check=True).stdout
    records = []
    for line in out.splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            print(line, file=sys.stderr)  # a progress line
    return records


def ppo_table(ours, trl):
    rows = [("iteration (s)", ours.get("iteration_s"), trl.get("iteration_s"))]
    for phase in ("generate", "reference", "reward", "values", "train", "allreduce", "broadcast"):
        rows.append((f"  {phase} (s)", ours.get(f"{phase}_s"), None))
    lines = ["| figure | ours (rlhf) | TRL | ours/TRL |", "|---|---:|---:|---:|"]
    for label, a, b in rows:
        lines.append(f"| {label} | {compare.fmt(a, '{:.3f}')} | {compare.fmt(b, '{:.3f}')} | {compare.ratio(a, b)} |")
    flops = ours.get("iteration_flops")
    peak = ours.get("iteration_at_sgemm_peak_s")
    lines.append(f"| iteration FLOPs (counted from the shapes) | {compare.fmt(flops, '{:.3g}')} | | |")
    lines.append(f"| FLOPs / sgemm rate ({compare.fmt(ours.get('sgemm_gflops'), '{:.1f}')} GFLOP/s) (s) "
                 f"| {compare.fmt(peak, '{:.3f}')} | | |")
    lines.append(f"| FLOPs our iteration runs (all but the critic's old-values pass, which is its first "
                 f"forward) / sgemm rate (s) | {compare.fmt(ours.get('executed_at_sgemm_peak_s'), '{:.3f}')} | | |")
    checks = []
    if ours.get("iteration_s") and trl.get("iteration_s"):
        speedup = trl["iteration_s"] / ours["iteration_s"]
        checks.append(f"speed-up over TRL {speedup:.2f}x (target >= {TARGET_SPEEDUP_OVER_TRL}x: "
                      f"{'met' if speedup >= TARGET_SPEEDUP_OVER_TRL else 'NOT met'})")
    if ours.get("iteration_over_peak"):
        over = ours["iteration_over_peak"]
        checks.append(f"iteration / (FLOPs / sgemm rate) {over:.2f} (target <= {TARGET_OVER_PEAK}: "
                      f"{'met' if over <= TARGET_OVER_PEAK else 'NOT met'}; "
                      f"{ours.get('iteration_over_executed_peak', float('nan')):.2f} of the FLOPs it runs)")
    return "\n".join(lines) + "\n\n" + "; ".join(checks)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--configs", default="small", help="comma-separated bench configs for the model figures")
    ap.add_argument("--ppo-config", default="small", help="bench config of the PPO iteration")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--iterations", type=int, default=3, help="timed PPO iterations (median)")
    ap.add_argument("--jsonl", help="also write every raw JSON line here")
    args = ap.parse_args()
    if not os.access(BINARY, os.X_OK):
        sys.exit(f"peers: {BINARY} not found; run scripts/setup to build it")
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(args.threads), OMP_NUM_THREADS=str(args.threads),
               TRL_EXPERIMENTAL_SILENCE="1")
    t = str(args.threads)
    records = []
    for name in args.configs.split(","):
        records += run_json([BINARY, "bench", "model", "--configs", name, "--threads", t, "--repeats", str(args.repeats)], env)
        records += run_json([sys.executable, os.path.join(HERE, "peer_torch.py"), "--configs", name, "--threads", t,
                             "--repeats", str(args.repeats)], env)
    ppo = ["--config", args.ppo_config, "--threads", t, "--iterations", str(args.iterations)]
    ours_ppo = run_json([BINARY, "bench", "ppo"] + ppo, env)
    trl_ppo = run_json([sys.executable, os.path.join(HERE, "peer_trl.py")] + ppo, env)
    records += ours_ppo + trl_ppo
    if args.jsonl:
        with open(args.jsonl, "w") as f:
            f.writelines(json.dumps(r, sort_keys=True) + "\n" for r in records)

    model_lines = [json.dumps(r) for r in records if r.get("bench") is None]
    path = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"rlhf-peers-{os.getpid()}.jsonl")
    with open(path, "w") as f:
        f.write("\n".join(model_lines) + "\n")
    print("## Model: training step, scoring, generation (ours vs PyTorch + transformers)\n", flush=True)
    compare.main(["compare.py", path])
    os.remove(path)
    print(f"## One PPO iteration, `{args.ppo_config}` shapes, {args.threads} thread(s) (ours vs TRL)\n")
    print(ppo_table(ours_ppo[0] if ours_ppo else {}, trl_ppo[0] if trl_ppo else {}))
    versions = next((r for r in trl_ppo), {})
    print(f"\nMachine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"{platform.platform()}; torch {versions.get('torch', '?')}, transformers "
          f"{versions.get('transformers', '?')}, trl {versions.get('trl', '?')}")


if __name__ == "__main__":
    main()
