import ArgumentParser
import Foundation
import RLHFCore
import RLHFDistributed

/// `rlhf bench scaling`: rollout throughput with 1, 2, ... actor ranks sharing a fixed batch.
struct BenchScaling: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scaling",
        abstract: "Rollout tokens/s with 1, 2, ..., N actor ranks generating one fixed batch together.",
        discussion: """
            Run under mpirun with N ranks. For k = 1...N the first k ranks each sample their share \
            of --rollouts prompts (KV cache, temperature 1, no EOS) with the bench config's model, as \
            k actors would; the others wait. Rank 0 prints one JSON line per k: the median over \
            repeats of the slowest actor's seconds, tokens/s of the whole batch, and the speed-up \
            and efficiency against k = 1.
            """)

    @OptionGroup var rollout: RolloutBenchOptions

    @Option(help: "Timed repetitions per actor count (the median is reported), after one warm-up.")
    var repeats = 3

    func validate() throws {
        try RolloutBenchOptions.requireAtLeastOne([("--repeats", repeats)])
    }

    func run() throws {
        try runOnAllRanks(command: "bench scaling", threads: rollout.threads) { group in
            let world = group.communicator
            let bench = try BenchConfig.named(rollout.config)
            let model = try LlamaModel.initialized(config: bench.model, seed: 1)
            let generator = Generator(model: model, maxNewTokens: rollout.newTokens, eosToken: nil)
            var rng = RandomGenerator(seed: 2)
            let vocab = UInt64(bench.model.vocabSize)
            let prompts = (0..<rollout.rollouts).map { _ in (0..<rollout.promptTokens).map { _ in Int32(rng.next() % vocab) } }
            var baseline: Double?
            for actors in 1...min(world.size, rollout.rollouts) {
                // Actor a samples prompts a, a + k, a + 2k, ...: shares differ by at most one.
                let share = world.rank < actors ? Array(stride(from: world.rank, to: rollout.rollouts, by: actors).map { prompts[$0] }) : []
                var times: [Double] = []
                for repeat_ in 0...repeats {
                    try world.barrier()
                    let start = DispatchTime.now().uptimeNanoseconds
                    if !share.isEmpty { _ = try generator.generate(prompts: share, rng: &rng) }
                    let slowest = try world.allreduceMax(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
                    if repeat_ > 0 { times.append(slowest) }
                }
                let seconds = times.sorted()[times.count / 2]
                let tokensPerSecond = Double(rollout.rollouts * rollout.newTokens) / seconds
                baseline = baseline ?? tokensPerSecond
                guard world.rank == 0, let baseline else { continue }
                let result: [String: Any] = [
                    "impl": "rlhf", "bench": "scaling", "config": bench.name, "threads": rollout.threads, "ranks": world.size,
                    "actors": actors, "rollouts": rollout.rollouts, "prompt_tokens": rollout.promptTokens, "new_tokens": rollout.newTokens,
                    "median_s": seconds, "rollout_tokens_per_s": tokensPerSecond,
                    "speedup": tokensPerSecond / baseline, "efficiency": tokensPerSecond / baseline / Double(actors),
                ]
                let data = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
                FileHandle.standardOutput.write(data + Data("\n".utf8))
            }
        }
    }
}
