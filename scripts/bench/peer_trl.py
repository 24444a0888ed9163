#!/usr/bin/env python3
"""Peer benchmark: one iteration of TRL's PPO trainer on the shapes `rlhf bench ppo` uses.

  peer_trl.py [--config small] [--threads 1] [--rollouts 16] [--prompt-tokens 16] [--new-tokens 32]
              [--epochs 4] [--iterations 3] [--warmup 1]

Policy and reference: LlamaForCausalLM; reward and value models: LlamaForSequenceClassification
(one label); all randomly initialised float32 with the bench config's shapes (the table of
scripts/bench/peer_torch.py).  Batch = --rollouts prompts of exactly --prompt-tokens random
tokens, --new-tokens sampled tokens each (no stop token, as `rlhf bench ppo`'s tokenizer has no
EOS), --epochs PPO epochs of one minibatch.  The iteration time is the time between TRL's
`on_step_end` callbacks (the first measured from `on_train_begin`); the median over the
iterations after --warmup is reported.  Needs trl 1.12 (the last release with
trl.experimental.ppo; PPO is gone from 1.13 on), torch and transformers.

Prints one JSON object on stdout; progress on stderr.
"""

import argparse
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peer_torch import CONFIGS  # noqa: E402  (the shared shape table)


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def parse_args():
    ap = argparse.ArgumentParser(description="TRL PPO peer benchmark for `rlhf bench ppo`.")
    ap.add_argument("--config", default="small", choices=sorted(CONFIGS))
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--rollouts", type=int, default=16)
    ap.add_argument("--prompt-tokens", type=int, default=16)
    ap.add_argument("--new-tokens", type=int, default=32)
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--iterations", type=int, default=3, help="timed iterations; the median is reported")
    ap.add_argument("--warmup", type=int, default=1, help="untimed iterations first")
    return ap.parse_args()


def main():
    args = parse_args()
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    os.environ.setdefault("ACCELERATE_USE_CPU", "true")
    import torch
    torch.set_num_threads(args.threads)
    import transformers
    from datasets import Dataset
    from tokenizers import Tokenizer
    from tokenizers.models import WordLevel
    from transformers import (LlamaConfig, LlamaForCausalLM, LlamaForSequenceClassification,
                              PreTrainedTokenizerFast, TrainerCallback)
    import trl
    try:
        from trl.experimental.ppo import PPOConfig, PPOTrainer
    except ImportError:
        sys.exit(f"peer_trl: trl {trl.__version__} has no trl.experimental.ppo; install trl==1.12.0")
    transformers.logging.set_verbosity_error()

    c = CONFIGS[args.config]
    vocab = c["vocab"]
    pad, eos = 0, 1
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=Tokenizer(WordLevel({f"t{i}": i for i in range(vocab)}, unk_token="t2")),
        pad_token="t0", eos_token="t1")
    span = args.prompt_tokens + args.new_tokens
    cfg = LlamaConfig(
        vocab_size=vocab, hidden_size=c["dim"], intermediate_size=c["hidden"], num_hidden_layers=c["layers"],
        num_attention_heads=c["heads"], num_key_value_heads=c["kv_heads"], max_position_embeddings=max(c["max_pos"], span),
        rms_norm_eps=1e-5, tie_word_embeddings=c["tied"], bos_token_id=None, eos_token_id=None, pad_token_id=pad,
        num_labels=1, attention_bias=False, mlp_bias=False)
    torch.manual_seed(0)
    policy, reference = LlamaForCausalLM(cfg), LlamaForCausalLM(cfg)
    reward, value = LlamaForSequenceClassification(cfg), LlamaForSequenceClassification(cfg)
    for model in (policy, reference):
        model.generation_config.eos_token_id = None
        model.generation_config.pad_token_id = pad

    g = torch.Generator().manual_seed(1)
    total = args.rollouts * (args.warmup + args.iterations)
    prompts = torch.randint(eos + 1, vocab, (total, args.prompt_tokens), generator=g).tolist()
    dataset = Dataset.from_dict({"input_ids": prompts})

    times = []

    class IterationClock(TrainerCallback):
        def on_train_begin(self, *_, **__):
            times.append(time.perf_counter())

        def on_step_end(self, *_, **__):
            times.append(time.perf_counter())
            log(f"peer_trl: iteration {len(times) - 1}: {times[-1] - times[-2]:.3f} s")

    with tempfile.TemporaryDirectory() as out:
        config = PPOConfig(
            output_dir=out, per_device_train_batch_size=args.rollouts, gradient_accumulation_steps=1,
            num_mini_batches=1, local_rollout_forward_batch_size=args.rollouts, num_ppo_epochs=args.epochs,
            response_length=args.new_tokens, stop_token=None, total_episodes=total, num_sample_generations=0,
            learning_rate=1e-5, report_to="none", save_strategy="no", logging_steps=10**6, use_cpu=True,
            bf16=False, seed=1, dataloader_num_workers=0)
        trainer = PPOTrainer(args=config, processing_class=tokenizer, model=policy, ref_model=reference,
                             reward_model=reward, value_model=value, train_dataset=dataset,
                             callbacks=[IterationClock()])
        with contextlib.redirect_stdout(sys.stderr):  # TRL prints its log dicts: stdout is for the result
            trainer.train()
    durations = [b - a for a, b in zip(times, times[1:])][args.warmup:]
    print(json.dumps({
        "impl": "trl", "bench": "ppo", "config": args.config, "threads": args.threads, "rollouts": args.rollouts,
        "prompt_tokens": args.prompt_tokens, "new_tokens": args.new_tokens, "epochs": args.epochs,
        "iterations": len(durations), "iteration_s": statistics.median(durations), "iteration_runs_s": durations,
        "trl": trl.__version__, "torch": torch.__version__, "transformers": transformers.__version__,
    }), flush=True)


if __name__ == "__main__":
    main()
