#!/usr/bin/env python3
"""Peer benchmark: PyTorch + transformers Llama on the shapes `rlhf bench model` uses.

For each config, a randomly initialised float32 LlamaForCausalLM is timed on
  train     forward with labels (loss) + backward + AdamW step + zero_grad   -> B*T / median step time
  score     no_grad forward + log_softmax + gather of next-token log-probs   -> B*T / median time
  generate  batch 16, 16 random prompt tokens, exactly 64 sampled new tokens
            (temperature 1, top_k 0, KV cache)                               -> 16*64 / median time
Attention: "eager" and "sdpa" are tried on a few train steps and the faster is used for all three
measurements (recorded as "attn"; the trial figures as "attn_trial_train_tokens_per_s").
peak_rss_mb is the process's ru_maxrss after the config (cumulative over the configs run so far);
peak_rss_mb_config is the peak since the end of the attention trial of this config (Linux
/proc/self/clear_refs), i.e. this config with the chosen attention only; import_rss_mb is the RSS
with torch and transformers imported, before any model (included in both peaks).  sgemm_gflops is the best of repeated torch.mm on 2048^3 float32 (the machine's demonstrated peak) at the same thread
count, measured right before each config; train_mfu = train_flops_per_token * train_tokens_per_s /
(sgemm_gflops * 1e9) with train_flops_per_token = 6*N + 6*L*T*C (N = weights of the matrices every
token goes through: q,k,v,o,gate,up,down of every layer and the V x C LM head; no embedding lookup;
causal attention counted at half of T x T).

One JSON object per config on stdout; progress on stderr.

  peer_torch.py [--configs stories260k,small,medium,large] [--threads 1] [--repeats 5] [--warmup [N]]
"""

import argparse
import ctypes
import gc
import json
import os
import resource
import statistics
import sys
import time

CONFIGS = {
    # name: dim, layers, heads, kv_heads, hidden, vocab, T, B, tied, max_position_embeddings
    "stories260k": dict(dim=64, layers=5, heads=8, kv_heads=4, hidden=172, vocab=512, T=256, B=16, tied=True, max_pos=512),
    "small": dict(dim=128, layers=4, heads=4, kv_heads=4, hidden=352, vocab=512, T=128, B=16, tied=False, max_pos=256),
    "medium": dict(dim=256, layers=6, heads=8, kv_heads=8, hidden=688, vocab=2048, T=256, B=8, tied=False, max_pos=256),
    "large": dict(dim=768, layers=12, heads=12, kv_heads=12, hidden=2048, vocab=32000, T=256, B=4, tied=False, max_pos=256),
}
GEN_BATCH, GEN_PROMPT, GEN_NEW = 16, 16, 64


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def parse_args():
    ap = argparse.ArgumentParser(description="PyTorch/transformers peer benchmark for `rlhf bench model`.")
    ap.add_argument("--configs", default=",".join(CONFIGS), help="comma-separated subset of " + ",".join(CONFIGS))
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=5, help="timed repetitions; the median is reported")
    ap.add_argument("--warmup", type=int, nargs="?", const=1, default=1,
                    help="untimed warm-up iterations before each measurement (default 1; --warmup alone = 1; 0 = none)")
    ap.add_argument("--attn", default="auto", choices=["auto", "eager", "sdpa"],
                    help="attention implementation; auto = time both on the train step, keep the faster")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    names = [c for c in args.configs.split(",") if c]
    for c in names:
        if c not in CONFIGS:
            ap.error(f"unknown config {c!r}; known: {', '.join(CONFIGS)}")
    args.config_names = names
    return args


def main():
    args = parse_args()
    # thread settings must be in place before torch starts its pools
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    import torch
    torch.set_num_threads(args.threads)
    try:
        torch.set_num_interop_threads(args.threads)
    except RuntimeError as e:  # already initialised
        log(f"warning: set_num_interop_threads: {e}")
    import transformers
    from transformers import LlamaConfig, LlamaForCausalLM
    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()

    blas = "mkl" if "BLAS_INFO=mkl" in torch.__config__.show() else ("openblas" if "openblas" in torch.__config__.show().lower() else "other")

    def timed(fn, repeats, warmup):
        for _ in range(warmup):
            fn()
        ts = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            fn()
            ts.append(time.perf_counter() - t0)
        return statistics.median(ts), ts

    def sgemm_gflops():
        g = torch.Generator().manual_seed(1)
        a = torch.randn(2048, 2048, generator=g)
        b = torch.randn(2048, 2048, generator=g)
        c = torch.empty(2048, 2048)
        _, ts = timed(lambda: torch.mm(a, b, out=c), max(args.repeats, 5), max(args.warmup, 2))
        return 2 * 2048 ** 3 / min(ts) / 1e9

    def flops_per_token(c):
        C, L, T, V = c["dim"], c["layers"], c["T"], c["vocab"]
        kv = C // c["heads"] * c["kv_heads"]
        n_layer = C * C + 2 * C * kv + C * C + 3 * C * c["hidden"]
        N = L * n_layer + V * C
        return 6 * N + 6 * L * T * C, N

    def maxrss_kib():
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux

    def trim_heap():
        gc.collect()
        try:  # hand freed heap back to the OS so that it does not count in the next peak
            ctypes.CDLL("libc.so.6").malloc_trim(0)
        except (OSError, AttributeError):
            pass

    def reset_peak_rss():
        trim_heap()
        try:  # Linux >= 4.0: "5" resets the peak RSS (VmHWM, and with it ru_maxrss)
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")
            return True
        except OSError:
            return False

    peak_kib = 0  # process-wide peak, as ru_maxrss would be without the resets (cumulative)
    import_rss_mb = round(maxrss_kib() / 1024.0, 1)  # torch + transformers loaded, no model yet
    for name in args.config_names:
        c = CONFIGS[name]
        torch.manual_seed(args.seed)
        B, T, V = c["B"], c["T"], c["vocab"]
        cfg = LlamaConfig(
            vocab_size=V, hidden_size=c["dim"], intermediate_size=c["hidden"], num_hidden_layers=c["layers"],
            num_attention_heads=c["heads"], num_key_value_heads=c["kv_heads"],
            max_position_embeddings=max(c["max_pos"], T, GEN_PROMPT + GEN_NEW),
            rms_norm_eps=1e-5, rope_parameters={"rope_type": "default", "rope_theta": 10000.0},
            tie_word_embeddings=c["tied"], bos_token_id=1, eos_token_id=2, pad_token_id=0,
            attention_bias=False, mlp_bias=False, dtype="float32",
        )
        cfg._attn_implementation = "eager"
        model = LlamaForCausalLM(cfg).to(torch.float32)
        n_params = sum(p.numel() for p in model.parameters())
        log(f"[{name}] {n_params / 1e6:.2f}M parameters, B={B} T={T}, threads={args.threads}")

        gflops = sgemm_gflops()
        log(f"[{name}] sgemm 2048^3 (best): {gflops:.1f} GFLOP/s")

        g = torch.Generator().manual_seed(args.seed + 1)
        ids = torch.randint(3, V, (B, T), generator=g)
        opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.01)

        def train_step():
            out = model(input_ids=ids, labels=ids, use_cache=False)
            out.loss.backward()
            opt.step()
            opt.zero_grad(set_to_none=True)

        # pick the attention implementation by a short train-step trial (min of 2 timed steps each)
        model.train()
        candidates = ["eager", "sdpa"] if args.attn == "auto" else [args.attn]
        trial = {}
        if len(candidates) > 1:
            for impl in candidates:
                model.set_attn_implementation(impl)
                _, ts = timed(train_step, 2, max(args.warmup, 1))
                trial[impl] = min(ts)
                log(f"[{name}] attn trial {impl}: {min(ts) * 1e3:.1f} ms/step ({B * T / min(ts):.0f} tok/s)")
        attn = min(trial, key=trial.get) if trial else candidates[0]
        model.set_attn_implementation(attn)

        # the per-config peak RSS covers the chosen implementation only: reset the high-water mark
        # (this also resets ru_maxrss, so the cumulative figure is carried in peak_kib)
        peak_kib = max(peak_kib, maxrss_kib())
        hwm_reset = reset_peak_rss()

        med, ts = timed(train_step, args.repeats, args.warmup)
        train_tps = B * T / med
        log(f"[{name}] train ({attn}): median {med * 1e3:.1f} ms/step, {train_tps:.0f} tok/s "
            f"(runs: {', '.join(f'{t * 1e3:.0f}' for t in ts)} ms)")

        # scoring
        model.eval()

        def score():
            with torch.no_grad():
                logits = model(input_ids=ids, use_cache=False).logits
                logp = torch.log_softmax(logits[:, :-1].float(), dim=-1)
                return logp.gather(-1, ids[:, 1:, None]).squeeze(-1)

        med, ts = timed(score, args.repeats, args.warmup)
        score_tps = B * T / med
        log(f"[{name}] score ({attn}): median {med * 1e3:.1f} ms, {score_tps:.0f} tok/s")

        # sampling with the KV cache
        prompt = torch.randint(3, V, (GEN_BATCH, GEN_PROMPT), generator=g)
        prompt_mask = torch.ones_like(prompt)
        gen_lengths = []

        def generate():
            with torch.no_grad():
                out = model.generate(
                    prompt, attention_mask=prompt_mask, do_sample=True, temperature=1.0, top_k=0,
                    max_new_tokens=GEN_NEW, min_new_tokens=GEN_NEW, pad_token_id=0,
                )
            gen_lengths.append(out.shape[1] - GEN_PROMPT)

        med, ts = timed(generate, args.repeats, args.warmup)
        assert all(n == GEN_NEW for n in gen_lengths), gen_lengths
        gen_tps = GEN_BATCH * GEN_NEW / med
        log(f"[{name}] generate ({attn}): median {med * 1e3:.1f} ms, {gen_tps:.0f} tok/s")

        fpt, n_matrix = flops_per_token(c)
        mfu = fpt * train_tps / (gflops * 1e9)
        config_peak_kib = maxrss_kib()
        peak_kib = max(peak_kib, config_peak_kib)
        rec = {
            "impl": "torch",
            "config": name,
            "threads": args.threads,
            "train_tokens_per_s": round(train_tps, 2),
            "score_tokens_per_s": round(score_tps, 2),
            "generate_tokens_per_s": round(gen_tps, 2),
            "train_mfu": round(mfu, 5),
            "sgemm_gflops": round(gflops, 2),
            "peak_rss_mb": round(peak_kib / 1024.0, 1),
            "peak_rss_mb_config": round(config_peak_kib / 1024.0, 1) if hwm_reset else None,
            "import_rss_mb": import_rss_mb,
            "attn": attn,
            "attn_trial_train_tokens_per_s": {k: round(B * T / v, 2) for k, v in trial.items()},
            "train_flops_per_token": fpt,
            "matrix_params": n_matrix,
            "params": n_params,
            "repeats": args.repeats,
            "torch": torch.__version__,
            "transformers": transformers.__version__,
            "blas": blas,
        }
        print(json.dumps(rec), flush=True)
        del model, opt
        trim_heap()


if __name__ == "__main__":
    main()
