#!/usr/bin/env python3
"""Predict PPO rollout throughput and iteration time for a layout of N nodes (see SCALING.md).

  plan.py --bench PPO.json --layout L,A,R,W [--nodes 1] [--cores-per-node 2] [--ranks-per-node R]
          [--threads-per-rank T] [--collectives COLL.jsonl] [--inter-bandwidth 1.25e9] [--thread-efficiency 0.8]
          [--check MEASURED.json]

PPO.json is the JSON line `rlhf bench ppo` printed on ONE rank with ONE thread for the model and
batch to plan (the per-role costs: seconds per rollout to generate, to score with the reference
and the reward model, to train on, and the parameter counts of the messages).  COLL.jsonl holds
`scripts/bench/collectives` lines (this host's all-reduce and broadcast bandwidth between ranks;
default 5e9 bytes/s when absent).  Ranks fill nodes in order (mpirun's default with a hostfile of
`slots=ranks-per-node`); roles go to ranks as `rlhf ppo` places them (instance i of the list
learners, actors, references, rewards on rank i mod ranks); each rank gets
cores-per-node / ranks-per-node BLAS threads.  --check compares the prediction with a measured
`rlhf bench ppo` line of that layout.  Prints one JSON object.
"""

import argparse
import json
import math
import sys

PHASES = ("generate", "score", "train", "allreduce", "broadcast")


def parse_layout(text):
    parts = [int(p) for p in text.split(",")]
    if len(parts) != 4 or min(parts) < 1:
        raise SystemExit(f"plan: --layout takes four positive counts learners,actors,references,rewards; got {text!r}")
    return dict(zip(("learner", "actor", "reference", "reward"), parts))


def read_json(path, what):
    try:
        with open(path) as f:
            return [json.loads(line) for line in f if line.startswith("{")]
    except (OSError, json.JSONDecodeError) as e:
        raise SystemExit(f"plan: cannot read {what} {path}: {e}")


class Cluster:
    """Where every role instance runs, and how fast each rank computes."""

    def __init__(self, counts, ranks, nodes, cores, ranks_per_node, threads, thread_efficiency):
        self.counts, self.ranks = counts, ranks
        self.node_of = [r // ranks_per_node for r in range(ranks)]
        if self.node_of[-1] >= nodes:
            raise SystemExit(f"plan: {ranks} ranks at {ranks_per_node} per node need {self.node_of[-1] + 1} nodes, "
                             f"only {nodes} given")
        self.cores, self.threads = cores, threads or max(1, cores // ranks_per_node)
        self.thread_efficiency = thread_efficiency
        order = [(role, i) for role in ("learner", "actor", "reference", "reward") for i in range(counts[role])]
        self.instances = {r: [] for r in range(ranks)}
        for position, instance in enumerate(order):
            self.instances[position % ranks].append(instance)

    def ranks_of(self, role):
        return sorted({r for r, insts in self.instances.items() if any(role == x[0] for x in insts)})

    def speed(self, busy_ranks, rank):
        """Throughput of `rank` relative to one thread alone, with `busy_ranks` computing at once."""
        same_node = sum(1 for r in busy_ranks if self.node_of[r] == self.node_of[rank])
        slowdown = max(1.0, same_node * self.threads / self.cores)  # oversubscribed cores time-share
        return (1 + (self.threads - 1) * self.thread_efficiency) / slowdown

    def spans_nodes(self, ranks):
        return len({self.node_of[r] for r in ranks}) > 1


def predict(bench, cluster, intra_bw, inter_bw, latency, spinning):
    b = bench["rollouts"]
    per_rollout = {
        "actor": bench["generate_s"] / b,
        "reference": bench["reference_s"] / b,
        "reward": bench["reward_s"] / b,
        "learner": (bench["train_s"] - bench["allreduce_s"]) / b,  # old values + GAE + epochs
    }
    counts = cluster.counts

    def phase_time(roles):
        work = {r: sum(b / counts[role] * per_rollout[role] for role, _ in insts if role in roles)
                for r, insts in cluster.instances.items()}
        # rlhf ppo's ranks wait for messages asleep; with --idle-ranks-spin a waiting rank competes
        # for its node's cores as much as a computing one (as in OpenMPI's blocking calls).
        busy = list(cluster.instances) if spinning else [r for r, w in work.items() if w > 0]
        times = {r: work[r] / cluster.speed(busy, r) for r, w in work.items() if w > 0}
        slowest = max(times, key=times.get)
        return times[slowest], slowest

    phases, where = {}, {}
    phases["generate"], where["generate"] = phase_time({"actor"})
    phases["score"], where["score"] = phase_time({"reference", "reward"})
    phases["train"], where["train"] = phase_time({"learner"})

    learners = cluster.ranks_of("learner")
    bw = inter_bw if cluster.spans_nodes(learners) else intra_bw
    n = len(learners)
    step_bytes = 4 * (bench["policy_parameters"] + bench["critic_parameters"])
    ring = 2 * (n - 1) / n * step_bytes / bw + 4 * (n - 1) * latency if n > 1 else 0.0
    phases["allreduce"] = bench["epochs"] * ring
    where["allreduce"] = None
    group = sorted(set([0] + cluster.ranks_of("actor")))
    m = len(group)
    bw = inter_bw if cluster.spans_nodes(group) else intra_bw
    # Large broadcasts: scatter + allgather, 2 (m-1)/m of the buffer over each link.
    phases["broadcast"] = (2 * (m - 1) / m * 4 * bench["policy_parameters"] / bw + math.log2(m) * latency) if m > 1 else 0.0
    where["broadcast"] = None

    iteration = sum(phases.values())
    bottleneck = max(phases, key=phases.get)
    rank = where[bottleneck]
    roles = ", ".join(f"{role} {i}" for role, i in cluster.instances[rank]) if rank is not None else "network"
    return {
        "predicted_iteration_s": iteration,
        "predicted_rollout_tokens_per_s": b * bench["new_tokens"] / phases["generate"],
        **{f"predicted_{p}_s": phases[p] for p in PHASES},
        "bottleneck": bottleneck, "bottleneck_rank": rank, "bottleneck_roles": roles,
        "bottleneck_share": phases[bottleneck] / iteration,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bench", required=True, help="`rlhf bench ppo` JSON line from 1 rank, 1 thread")
    ap.add_argument("--layout", required=True, help="learners,actors,references,rewards")
    ap.add_argument("--ranks", type=int, help="ranks of the job; default: one per role instance")
    ap.add_argument("--nodes", type=int, default=1)
    ap.add_argument("--cores-per-node", type=int, default=2)
    ap.add_argument("--ranks-per-node", type=int, help="default: the ranks spread evenly over the nodes")
    ap.add_argument("--threads-per-rank", type=int, help="default: cores-per-node / ranks-per-node, at least 1")
    ap.add_argument("--collectives", help="scripts/bench/collectives output: intra-node bandwidth")
    ap.add_argument("--intra-bandwidth", type=float, default=5e9, help="bytes/s between ranks of one node")
    ap.add_argument("--inter-bandwidth", type=float, default=1.25e9, help="bytes/s between nodes (10 GbE)")
    ap.add_argument("--latency", type=float, default=20e-6, help="seconds per message between nodes")
    ap.add_argument("--thread-efficiency", type=float, default=0.8,
                    help="speed-up of each extra BLAS thread of a rank, relative to the first")
    ap.add_argument("--idle-ranks-spin", action="store_true",
                    help="assume waiting ranks keep their cores busy, as OpenMPI's blocking calls do "
                         "(default: they sleep, as rlhf ppo's waits do)")
    ap.add_argument("--check", help="a measured `rlhf bench ppo` JSON line of this layout to compare with")
    args = ap.parse_args()

    bench = read_json(args.bench, "bench")[-1]
    if bench.get("ranks") != 1 or bench.get("threads") != 1:
        raise SystemExit(f"plan: --bench must come from 1 rank with 1 thread; {args.bench} has "
                         f"{bench.get('ranks')} rank(s), {bench.get('threads')} thread(s)")
    counts = parse_layout(args.layout)
    ranks = args.ranks or sum(counts.values())
    if not counts["learner"] <= ranks <= sum(counts.values()):
        raise SystemExit(f"plan: {ranks} ranks cannot hold layout {args.layout} (from {counts['learner']} "
                         f"to {sum(counts.values())} ranks)")
    per_node = args.ranks_per_node or math.ceil(ranks / args.nodes)
    intra_bw = args.intra_bandwidth
    if args.collectives:
        lines = [r for r in read_json(args.collectives, "collectives") if r.get("impl") == "rlhf" and r.get("ranks") == 2]
        rates = [r["bytes_per_s"] for r in lines]
        if rates:
            intra_bw = min(rates)
    cluster = Cluster(counts, ranks, args.nodes, args.cores_per_node, per_node, args.threads_per_rank,
                      args.thread_efficiency)
    result = {"layout": args.layout, "ranks": ranks, "nodes": args.nodes, "ranks_per_node": per_node,
              "threads_per_rank": cluster.threads, "intra_bandwidth": intra_bw, "inter_bandwidth": args.inter_bandwidth,
              **predict(bench, cluster, intra_bw, args.inter_bandwidth, args.latency, args.idle_ranks_spin)}
    if args.check:
        measured = read_json(args.check, "measured run")[-1]
        result["measured_iteration_s"] = measured["iteration_s"]
        result["iteration_error"] = result["predicted_iteration_s"] / measured["iteration_s"] - 1
        tokens = measured["rollouts"] * measured["new_tokens"] / measured["generate_s"]
        result["measured_rollout_tokens_per_s"] = tokens
        result["rollout_error"] = result["predicted_rollout_tokens_per_s"] / tokens - 1
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    sys.exit(main())
