import ArgumentParser
import Foundation
import RLHFTraining

/// `rlhf compare`.
struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sample pairs of responses per prompt from a policy; write them for rlhf label, or label them with a scripted judge (compare.judge).",
        discussion: "Runs on any number of ranks: each samples a share of the prompts.")

    @OptionGroup var options: StageOptions

    func run() throws {
        let config = try options.load(StageSchemas.compare)
        try runOnAllRanks(command: "compare", threads: config.int("runtime.threads")) { group in
            guard let summary = try CompareStage.run(config: config, group: group) else { return }
            var line = "compare: \(summary.pairs) pairs (\(summary.identicalSkipped) identical skipped) in \(summary.output.path)"
            if let agreement = summary.goldAgreement {
                line += String(format: "; the simulated annotators agree with the judge's noise-free labels on %.1f%% of them", 100 * agreement)
            }
            Console.line(line)
        }
    }
}

/// `rlhf task`: the built-in task's data.
struct TaskCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "task",
        abstract: "Write the built-in task's data: pretraining text, SFT demonstrations, RL and held-out prompts.",
        discussion: "The task: short product reviews from a generative grammar, scored by a hidden gold judge (see README).")

    @Option(help: "Directory to write pretrain.txt, sft.jsonl, prompts.jsonl and eval_prompts.jsonl into.")
    var output: String
    @Option(help: "Seed; the same seed writes the same files.") var seed: UInt64 = 1
    @Option(help: "Pretraining documents.") var pretrain = 4000
    @Option(help: "SFT demonstrations.") var sft = 1500
    @Option(help: "Prompts for comparison and PPO.") var prompts = 600
    @Option(help: "Held-out prompts for evaluation.") var evalPrompts = 100

    func run() throws {
        let files = try BuiltinTask(seed: seed).writeFiles(to: URL(fileURLWithPath: output), pretrain: pretrain, sft: sft,
                                                           prompts: prompts, evalPrompts: evalPrompts)
        for (name, url) in files.sorted(by: { $0.key < $1.key }) { print("task: \(name): \(url.path)") }
    }
}
