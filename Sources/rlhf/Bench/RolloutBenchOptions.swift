import ArgumentParser

/// The options `rlhf bench ppo` and `rlhf bench scaling` share: the model shapes, the BLAS
/// threads and the rollouts sampled (prompts and responses of fixed lengths).
struct RolloutBenchOptions: ParsableArguments {
    @Option(help: "Bench config (model shapes): \(BenchConfig.names).")
    var config = "small"

    @Option(help: "OpenBLAS threads per rank.")
    var threads = 1

    @Option(help: "Rollouts per batch (rollout.batch_size), shared among the actors.")
    var rollouts = 16

    @Option(help: "Prompt length in tokens.")
    var promptTokens = 16

    @Option(help: "New tokens per rollout.")
    var newTokens = 32

    func validate() throws {
        _ = try BenchConfig.named(config)
        try Self.requireAtLeastOne([("--threads", threads), ("--rollouts", rollouts), ("--prompt-tokens", promptTokens),
                                    ("--new-tokens", newTokens)])
    }

    /// A usage error naming the first of `counts` below 1.
    static func requireAtLeastOne(_ counts: [(name: String, value: Int)]) throws {
        for (name, value) in counts where value < 1 {
            throw ValidationError("\(name) must be at least 1, got \(value)")
        }
    }
}
