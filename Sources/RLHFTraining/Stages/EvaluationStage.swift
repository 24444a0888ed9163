import Foundation
import RLHFCore
import RLHFData

/// `rlhf eval`: perplexity of a language model on text or SFT data, pairwise accuracy of a
/// reward model on preference data, or (with `eval.baseline`) a policy against its baseline.
public enum EvaluationStage {
    /// Evaluates as `config` (a `StageSchemas.eval` config) says; every rank takes a share.
    public static func run(config: RunConfig, group: DataParallelGroup) throws -> [String: Double] {
        if config.optionalString("eval.baseline") != nil { return try evaluatePolicy(config: config, group: group) }
        let env = StageEnvironment(config: config, group: group)
        let modelPath = config.string("model.path")
        let model = try loadModel(at: URL(fileURLWithPath: modelPath))
        let data = try env.stageData(modelPath: modelPath, model: model)
        let batchSize = config.int("eval.batch_size")
        try config.require("eval.batch_size", batchSize > 0, "must be at least 1")
        let limit = config.int("eval.max_examples")
        let options = LoadOptions(skipBadLines: config.bool("data.skip_bad_lines"))
        func capped<T>(_ items: [T]) -> [T] { limit > 0 ? Array(items.prefix(limit)) : items }

        switch model.head {
        case .scalar:
            var pairs: [PreferencePair] = []
            for path in config.stringList("data.files") {
                let (loaded, summary) = try loadPreferencePairs(at: URL(fileURLWithPath: path), options: options)
                env.say("data: \(summary)")
                pairs += loaded
            }
            let (tokenized, _) = data.preferencePairs(capped(pairs))
            let stats = try PreferenceObjective.score(model, pairs: tokenized, group: group, padToken: data.padToken,
                                                      batchSize: batchSize)
            guard stats.pairs > 0 else { throw TrainingError.noExamples("the data files hold no preference pairs") }
            return ["eval/accuracy": stats.accuracy, "eval/accuracy_stderr": stats.accuracyStandardError,
                    "eval/loss": stats.loss, "eval/reward_mean": stats.rewardMean, "eval/reward_std": stats.rewardStd,
                    "eval/pairs": Double(stats.pairs)]
        case .languageModel:
            var sequences: [TrainingSequence] = []
            for path in config.stringList("data.files") {
                sequences += try languageModelingSequences(URL(fileURLWithPath: path), data: data, options: options, env: env)
            }
            let (loss, targets) = try LanguageModelingObjective.meanLoss(
                model, on: capped(sequences), group: group, padToken: data.padToken, batchSize: batchSize)
            guard targets > 0 else { throw TrainingError.noExamples("the data files hold no tokens to predict") }
            return ["eval/loss": loss, "eval/perplexity": exp(loss), "eval/tokens": targets]
        }
    }

    /// Text files (`.txt`, or JSONL whose records have `text`) become context-length windows;
    /// other JSONL is read as SFT data and scored on its responses.
    static func languageModelingSequences(_ url: URL, data: StageData, options: LoadOptions,
                                          env: StageEnvironment) throws -> [TrainingSequence] {
        if try isTextCorpus(url) {
            let (documents, summary) = try loadTextDocuments(at: url, options: options)
            env.say("data: \(summary)")
            return data.pretrainingWindows(documents)
        }
        let (examples, summary) = try loadSFTExamples(at: url, options: options)
        env.say("data: \(summary)")
        return data.supervisedSequences(examples).sequences
    }

    /// Whether `url` is plain text or JSONL of `{"text": ...}` records.
    static func isTextCorpus(_ url: URL) throws -> Bool {
        let name = url.lastPathComponent.lowercased()
        if name.hasSuffix(".txt") || name.hasSuffix(".txt.gz") { return true }
        let reader = try LineReader(url: url)
        while let line = try reader.next() {
            let text = line.text.trimmingCharacters(in: .whitespaces)
            if text.isEmpty { continue }
            guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else { return false }
            return object["text"] != nil
        }
        return false
    }
}
