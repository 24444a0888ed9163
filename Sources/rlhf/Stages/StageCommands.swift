import ArgumentParser
import RLHFTraining

/// `rlhf pretrain`.
struct Pretrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Pretrain (or continue pretraining) a causal LM on raw text, data-parallel over all MPI ranks.")

    @OptionGroup var options: StageOptions
    @OptionGroup var control: RunControlOptions

    func run() throws {
        let config = try options.load(StageSchemas.pretrain)
        try runOnAllRanks(command: "pretrain", threads: config.int("runtime.threads")) { group in
            report("pretrain", try PretrainStage.run(config: config, group: group, control: control.value), group: group)
        }
    }
}

/// `rlhf sft`.
struct SFT: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sft",
        abstract: "Supervised fine-tuning on demonstrations (loss on response tokens), data-parallel over all MPI ranks.")

    @OptionGroup var options: StageOptions
    @OptionGroup var control: RunControlOptions

    func run() throws {
        let config = try options.load(StageSchemas.sft)
        try runOnAllRanks(command: "sft", threads: config.int("runtime.threads")) { group in
            report("sft", try SupervisedFineTuningStage.run(config: config, group: group, control: control.value), group: group)
        }
    }
}

/// `rlhf rm`.
struct RewardModel: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm",
        abstract: "Train a reward model on preference pairs from an SFT model's trunk, data-parallel over all MPI ranks.")

    @OptionGroup var options: StageOptions
    @OptionGroup var control: RunControlOptions

    func run() throws {
        let config = try options.load(StageSchemas.rm)
        try runOnAllRanks(command: "rm", threads: config.int("runtime.threads")) { group in
            report("rm", try RewardModelStage.run(config: config, group: group, control: control.value), group: group)
        }
    }
}

/// `rlhf eval`.
struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Perplexity of a language model, or pairwise accuracy of a reward model, on data files.",
        discussion: "Prints one JSON object with the results; every rank evaluates a share.")

    @OptionGroup var options: StageOptions

    func run() throws {
        let config = try options.load(StageSchemas.eval)
        try runOnAllRanks(command: "eval", threads: config.int("runtime.threads")) { group in
            let results = try EvaluationStage.run(config: config, group: group)
            if group.isLeader { Console.line(jsonLine(results)) }
        }
    }
}

/// `{"key": value, ...}` with sorted keys.
func jsonLine(_ values: [String: Double]) -> String {
    "{" + values.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \($0.value.isFinite ? String($0.value) : "null")" }.joined(separator: ", ") + "}"
}
