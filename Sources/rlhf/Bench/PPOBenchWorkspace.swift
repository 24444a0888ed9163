import Foundation
import RLHFCore
import RLHFData
import RLHFTraining

/// The files a benchmark PPO run reads, made up on the spot so that the benchmark needs no
/// download: a byte-level BPE tokenizer without an EOS token (every response is exactly
/// `rollout.max_new_tokens` long, as in TRL without a stop token), a randomly initialised
/// policy and reward model of the bench config's shapes, and prompts longer than the prompt
/// length (so every prompt is cut to exactly that many tokens).
struct PPOBenchWorkspace {
    let directory: URL
    var policy: URL { directory.appendingPathComponent("policy") }
    var reward: URL { directory.appendingPathComponent("reward") }
    var tokenizer: URL { directory.appendingPathComponent("tokenizer.json") }
    var prompts: URL { directory.appendingPathComponent("prompts.txt") }
    var run: URL { directory.appendingPathComponent("run") }

    /// Writes the files into a fresh temporary directory.
    init(bench: BenchConfig, promptCount: Int) throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("rlhf-bench-ppo-\(ProcessInfo.processInfo.processIdentifier)")
        try? FileManager.default.removeItem(at: directory)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)

        var rng = RandomGenerator(seed: 3)
        let lines = (0..<max(promptCount, 64)).map { _ in Self.sentence(words: 40, rng: &rng) }
        // Only a padding token: no EOS, so no response ends early.
        let trainer = BPETrainer(vocabSize: bench.model.vocabSize, specialTokens: ["<|pad|>"])
        try trainer.train(corpus: lines).write(to: tokenizer)
        try Data(lines.prefix(promptCount).joined(separator: "\n").utf8).write(to: prompts, options: .atomic)

        let policyModel = try LlamaModel.initialized(config: bench.model, seed: 1)
        try StageEnvironment.writeModel(policyModel, tokenizerURL: tokenizer, to: policy)
        let rewardModel = try RewardModelStage.rewardModel(fromTrunkOf: policyModel, headStd: 0, seed: 2)
        try StageEnvironment.writeModel(rewardModel, tokenizerURL: tokenizer, to: reward)
    }

    /// The `rlhf ppo` overrides that point a run at these files.
    var overrides: [String] {
        ["model.policy=\(policy.path)", "model.reward=\(reward.path)", "reward.normalize=false",
         "tokenizer.path=\(tokenizer.path)", "data.prompts=[\(prompts.path)]", "output.dir=\(run.path)"]
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }

    private static let words = [
        "the", "model", "reads", "a", "long", "story", "about", "small", "cats", "and", "their", "green", "garden",
        "where", "every", "morning", "rain", "falls", "on", "old", "stones", "while", "children", "sing", "songs",
    ]

    private static func sentence(words count: Int, rng: inout RandomGenerator) -> String {
        (0..<count).map { _ in words[Int(rng.next() % UInt64(words.count))] }.joined(separator: " ")
    }
}
