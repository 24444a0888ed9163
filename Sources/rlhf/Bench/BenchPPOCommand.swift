import ArgumentParser
import Foundation
import RLHFCore
import RLHFDistributed
import RLHFTraining

/// `rlhf bench ppo`: one PPO iteration of a fixed config, phase by phase, against the FLOPs it needs.
struct BenchPPO: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ppo",
        abstract: "Seconds per PPO iteration, by phase, on a bench config's shapes; FLOPs and FLOPs / sgemm rate.",
        discussion: """
            Runs `rlhf ppo` itself (the same trainer, with every role) on a randomly initialised policy, \
            reward model and critic of the config's shapes, a made-up tokenizer without EOS (every \
            response has exactly --new-tokens tokens) and prompts cut to exactly --prompt-tokens. \
            Without mpirun one process holds every role; under mpirun the roles spread over the ranks \
            by --layout. Rank 0 prints one JSON object: the median over the timed iterations of each \
            phase's seconds (timing/*_s of metrics.jsonl: the slowest rank's), iteration_s (learner 0's \
            iteration, timing/learner_iteration_s: the time per iteration a run takes, also with \
            ppo.overlap; slowest_rank_iteration_s is timing/iteration_s), the iteration's FLOPs \
            counted from the shapes, the sgemm rate measured here, their quotient (the iteration at \
            sgemm peak) and the peak RSS of rank 0 and of the largest rank, against what a learner \
            needs by the book (learner_implied_mb: weights, gradients and AdamW moments of the policy \
            and the critic, and their activations over the learner's share) and rank 0's RSS before \
            the trainer started (baseline_rss_mb_rank0: runtime and libraries). Rank 0 is learner 0; \
            with one rank per role (--layout 1,1,1,1 on 4 ranks) its peak is the learner's alone. \
            Compare with TRL: scripts/bench/peers.py.
            """)

    @OptionGroup var rollout: RolloutBenchOptions

    @Option(help: "PPO epochs per iteration (one minibatch each).")
    var epochs = 4

    @Option(help: "Timed iterations (the median is reported).")
    var iterations = 3

    @Option(help: "Untimed iterations first.")
    var warmup = 1

    @Option(help: "Ranks per role: learners,actors,references,rewards.")
    var layout = "1,1,1,1"

    @Flag(help: "Overlap generation with training (ppo.overlap).")
    var overlap = false

    func validate() throws {
        try RolloutBenchOptions.requireAtLeastOne([("--epochs", epochs), ("--iterations", iterations)])
        guard warmup >= 0 else { throw ValidationError("--warmup must be 0 or more, got \(warmup)") }
        _ = try roleCounts()
    }

    func run() throws {
        try runOnAllRanks(command: "bench ppo", threads: rollout.threads) { group in
            let world = group.communicator
            let bench = try BenchConfig.named(rollout.config)
            let sgemm = world.rank == 0 ? Measurement.sgemmGFLOPS(repeats: 5) : 0
            let workspace = try PPOBenchWorkspace(bench: bench, promptCount: rollout.rollouts)
            defer { workspace.remove() }
            let counts = try roleCounts()
            let runConfig = try RunConfig.load(schema: StageSchemas.ppo, file: nil, overrides: workspace.overrides + [
                "layout.learners=\(counts.learners)", "layout.actors=\(counts.actors)",
                "layout.references=\(counts.references)", "layout.rewards=\(counts.rewards)",
                "data.max_prompt_tokens=\(rollout.promptTokens)", "rollout.batch_size=\(rollout.rollouts)",
                "rollout.max_new_tokens=\(rollout.newTokens)", "ppo.num_ppo_epochs=\(epochs)", "ppo.num_minibatches=1",
                "ppo.iterations=\(warmup + iterations)", "checkpoint.every=0", "runtime.threads=\(rollout.threads)",
                "ppo.overlap=\(overlap)",
            ])
            Measurement.releaseFreedMemory()
            Measurement.resetPeakRSS()
            let baselineRSS = Measurement.peakRSSMegabytes()  // Right after the reset: the current RSS.
            // The trainer's progress lines go to stderr: stdout carries only the JSON result.
            try withStandardOutputOnStandardError {
                try PPOTrainer(config: runConfig, world: world).run(control: RunControl())
            }
            let peakRSS = Measurement.peakRSSMegabytes()
            let maxRSS = try world.allreduceMax(peakRSS)
            guard world.rank == 0 else { return }
            let metrics = try Self.readMetrics(workspace.run.appendingPathComponent("metrics.jsonl")).dropFirst(warmup)
            let flops = PPOIterationFlops(model: bench.model, rollouts: rollout.rollouts, promptTokens: rollout.promptTokens,
                                          newTokens: rollout.newTokens, epochs: epochs)
            var result: [String: Any] = [
                "impl": "rlhf", "bench": "ppo", "config": bench.name, "threads": rollout.threads, "ranks": world.size,
                "layout": layout, "overlap": overlap, "rollouts": rollout.rollouts, "prompt_tokens": rollout.promptTokens, "new_tokens": rollout.newTokens,
                "epochs": epochs, "iterations": iterations, "sgemm_gflops": sgemm, "blas_core": OpenBLASCore.loaded, "kernel_lanes": kernelVectorWidth,
                "iteration_flops": flops.total, "generate_flops": flops.generation, "reference_flops": flops.reference,
                "reward_flops": flops.reward, "values_flops": flops.values, "train_flops": flops.train,
                "iteration_at_sgemm_peak_s": flops.total / (sgemm * 1e9),
                "executed_flops": flops.executed, "executed_at_sgemm_peak_s": flops.executed / (sgemm * 1e9),
                "peak_rss_mb_rank0": peakRSS, "peak_rss_mb_max": maxRSS, "baseline_rss_mb_rank0": baselineRSS,
                "learner_implied_mb": LearnerMemory(model: bench.model, sequences: rollout.rollouts / counts.learners,
                                                    tokens: rollout.promptTokens + rollout.newTokens).bytes / 1_048_576,
                "policy_parameters": ParameterLayout(config: bench.model).count,
                "critic_parameters": ParameterLayout(config: bench.model, head: .scalar).count,
            ]
            for phase in ["generate", "reference", "reward", "values", "train", "allreduce", "broadcast", "iteration"] {
                result["\(phase)_s"] = Self.median(metrics.compactMap { $0["timing/\(phase)_s"] })
            }
            // Time per iteration as a run sees it: learner 0's, the pipeline's period with overlap.
            result["iteration_s"] = Self.median(metrics.compactMap { $0["timing/learner_iteration_s"] })
            result["slowest_rank_iteration_s"] = Self.median(metrics.compactMap { $0["timing/iteration_s"] })
            result["rollout_tokens"] = metrics.last?["rollout/tokens"]
            result["staleness"] = metrics.last?["rollout/staleness"]
            if let seconds = result["iteration_s"] as? Double {
                result["iteration_over_peak"] = seconds / (flops.total / (sgemm * 1e9))
                result["iteration_over_executed_peak"] = seconds / (flops.executed / (sgemm * 1e9))
            }
            let data = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
            FileHandle.standardOutput.write(data + Data("\n".utf8))
        }
    }

    private func roleCounts() throws -> RoleCounts {
        let parts = layout.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 4, let l = parts[0], let a = parts[1], let r = parts[2], let w = parts[3],
              [l, a, r, w].allSatisfy({ $0 >= 1 }) else {
            throw ValidationError("--layout takes four positive counts, learners,actors,references,rewards; got '\(layout)'")
        }
        return RoleCounts(learners: l, actors: a, references: r, rewards: w)
    }

    /// Every line of a metrics.jsonl, as numbers by key.
    private static func readMetrics(_ url: URL) throws -> [[String: Double]] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] ?? [:]
            return object.compactMapValues { ($0 as? NSNumber)?.doubleValue }
        }
    }

    private static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        return (sorted[(sorted.count - 1) / 2] + sorted[sorted.count / 2]) / 2
    }
}

/// Runs `body` with file descriptor 1 pointing at standard error, then restores it.
@discardableResult
func withStandardOutputOnStandardError<T>(_ body: () throws -> T) rethrows -> T {
    fflush(nil)
    let saved = dup(STDOUT_FILENO)
    dup2(STDERR_FILENO, STDOUT_FILENO)
    defer {
        fflush(nil)
        dup2(saved, STDOUT_FILENO)
        close(saved)
    }
    return try body()
}
