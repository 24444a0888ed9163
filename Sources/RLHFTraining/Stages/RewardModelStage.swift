import Foundation
import RLHFCore
import RLHFData

/// `rlhf rm`: a reward model from an SFT model's trunk and a fresh scalar head, trained on
/// preference pairs with -log sigmoid(r_chosen - r_rejected - margin).
public enum RewardModelStage {
    /// The file beside a reward model's weights holding the mean and standard deviation of its
    /// rewards on the training responses; PPO subtracts the mean and divides by the std.
    public static let normalizationFile = "reward_normalization.json"

    /// Trains as `config` (a `StageSchemas.rm` config) says.
    public static func run(config: RunConfig, group: DataParallelGroup, control: RunControl = RunControl()) throws -> StageResult {
        let env = StageEnvironment(config: config, group: group)
        let modelPath = config.string("model.init")
        let sft = try loadModel(at: URL(fileURLWithPath: modelPath))
        let model = try rewardModel(fromTrunkOf: sft, headStd: config.float("rm.head_init_std"),
                                    seed: UInt64(config.int("train.seed")))
        let tokenizerURL = try env.tokenizerURL(modelPath: modelPath)
        let data = try env.stageData(modelPath: modelPath, model: model)
        let (trainPairs, evalPairs) = try env.loadSplit(key: \PreferencePair.prompt, load: { try loadPreferencePairs(at: $0, options: $1) })
        let (train, truncatedTrain) = data.preferencePairs(trainPairs)
        let (eval, truncatedEval) = data.preferencePairs(evalPairs)
        if truncatedTrain + truncatedEval > 0 {
            env.say("rm: \(truncatedTrain + truncatedEval) pairs longer than data.seq_len = \(data.maxLength) tokens keep their last \(data.maxLength) tokens")
        }
        let groups = PreferenceGroup.grouping(train, by: config.bool("rm.group_by_prompt") ? trainPairs.map(\.prompt) : nil)
        env.say("rm: \(train.count) training pairs (\(groups.count) training examples) and \(eval.count) eval pairs; \(model.layout.count) parameters")
        try env.prepareRunDirectory()
        let settings = try OptimizationSettings(config: config)
        // Evaluation and the normalisation below score as many sequences per batch as a training
        // pass holds on average (a group of all pairs of k responses holds k).
        let sequencesPerExample = Double(groups.reduce(0) { $0 + $1.sequences.count }) / Double(max(groups.count, 1))
        let sequencesPerPass = max(Int((Double(settings.examplesPerPass) * sequencesPerExample).rounded()), 2)
        let objective = PreferenceObjective(train: groups, eval: eval, padToken: data.padToken,
                                            microBatchSize: settings.examplesPerPass, evalBatchSize: sequencesPerPass / 2,
                                            margin: config.float("rm.margin"))
        let trainer = try StageTrainer(stage: "rm", model: model, objective: objective, settings: settings,
                                       group: group, runDirectory: env.runDirectory)
        var evaluation = try trainer.run(resume: control.resume, stopAfter: control.stopAfterSteps)
        guard trainer.isFinished else { return StageResult(modelDirectory: nil, evaluation: evaluation, steps: trainer.completedSteps) }

        let normalization = try RewardNormalization.measure(
            model, responses: PreferenceGroup(pairs: train).sequences, group: group, padToken: data.padToken,
            batchSize: sequencesPerPass)
        evaluation["rm/normalization_mean"] = normalization.mean
        evaluation["rm/normalization_std"] = normalization.std
        env.say(String(format: "rm: reward normalisation over %d distinct training responses: mean %.4f, std %.4f",
                       normalization.responses, normalization.mean, normalization.std))
        let directory = try env.saveFinalModel(model, tokenizerURL: tokenizerURL,
                                               extraFiles: [normalizationFile: try normalization.encoded()])
        return StageResult(modelDirectory: directory, evaluation: evaluation, steps: trainer.completedSteps)
    }

    /// A scalar-head model sharing every trunk tensor with `languageModel`; the head is drawn
    /// from N(0, headStd^2), with headStd = 1/sqrt(dim + 1) when 0 is given.
    public static func rewardModel(fromTrunkOf languageModel: LlamaModel, headStd: Float, seed: UInt64) throws -> LlamaModel {
        guard languageModel.head == .languageModel else { return languageModel }
        let model = try LlamaModel(config: languageModel.config, head: .scalar)
        let source = languageModel.layout
        for view in model.layout.views {
            if let from = source.view(named: view.name) {
                (model.parameters.pointer + view.offset).update(from: languageModel.parameters.pointer + from.offset, count: view.count)
            } else {
                var rng = RandomGenerator(seed: seed)
                let std = headStd > 0 ? headStd : 1 / Float(languageModel.config.dim + 1).squareRoot()
                for i in 0..<view.count { model.parameters[view.offset + i] = std * rng.nextGaussian() }
            }
        }
        return model
    }
}

/// The mean and standard deviation of a reward model's scores, stored beside it.
public struct RewardNormalization: Codable, Equatable, Sendable {
    public var mean: Double
    public var std: Double
    /// How many distinct responses the statistics come from.
    public var responses: Int

    public init(mean: Double, std: Double, responses: Int) {
        self.mean = mean
        self.std = std
        self.responses = responses
    }

    /// The statistics of `model`'s rewards on `responses`, scored on the ranks of `group` (dealt
    /// round-robin) in batches of `batchSize`. Each response counts once, however many pairs it
    /// is in: all 28 pairs of 8 samples hold each sample 7 times.
    public static func measure(_ model: LlamaModel, responses: [[Int32]], group: DataParallelGroup, padToken: Int32,
                               batchSize: Int) throws -> RewardNormalization {
        let mine = Array(stride(from: group.rank, to: responses.count, by: group.size))
        var sums = [0.0, 0.0]  // sum r, sum r^2
        for chunk in mine[...].chunked(max(batchSize, 1)) {
            let batch = TokenBatch.padded(chunk.map { responses[$0] }, padToken: padToken, limit: model.config.maxSeqLen)
            for r in batch.lastTokenValues(try model.forward(batch, keepingActivationsForBackward: false)) {
                sums[0] += Double(r)
                sums[1] += Double(r) * Double(r)
            }
        }
        let total = try group.sum(sums), n = Double(max(responses.count, 1))
        let mean = total[0] / n
        return RewardNormalization(mean: mean, std: max(total[1] / n - mean * mean, 0).squareRoot(), responses: responses.count)
    }

    private enum CodingKeys: String, CodingKey { case mean, std, responses, pairs }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        mean = try container.decode(Double.self, forKey: .mean)
        std = try container.decode(Double.self, forKey: .std)
        // Files written before the statistics counted distinct responses hold "pairs" instead.
        responses = try container.decodeIfPresent(Int.self, forKey: .responses)
            ?? 2 * container.decode(Int.self, forKey: .pairs)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(mean, forKey: .mean)
        try container.encode(std, forKey: .std)
        try container.encode(responses, forKey: .responses)
    }

    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    /// The statistics stored in a reward model's directory, or nil when it has none.
    public static func read(modelDirectory: URL) throws -> RewardNormalization? {
        let url = modelDirectory.appendingPathComponent(RewardModelStage.normalizationFile)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        return try JSONDecoder().decode(RewardNormalization.self, from: Data(contentsOf: url))
    }
}
