import Foundation
import RLHFCore
import RLHFData

/// `rlhf pretrain`: next-token loss on raw text, from a fresh model or a pretrained one.
public enum PretrainStage {
    /// Trains as `config` (a `StageSchemas.pretrain` config) says and returns the final model's
    /// directory and evaluation.
    public static func run(config: RunConfig, group: DataParallelGroup, control: RunControl = RunControl()) throws -> StageResult {
        let env = StageEnvironment(config: config, group: group)
        let (model, modelPath) = try initialModel(config)
        let tokenizerURL = try env.tokenizerURL(modelPath: modelPath)
        let data = try env.stageData(modelPath: modelPath, model: model)
        let (trainDocs, evalDocs) = try env.loadSplit(key: { $0 }, load: { try loadTextDocuments(at: $0, options: $1) })
        let train = data.pretrainingWindows(trainDocs), eval = data.pretrainingWindows(evalDocs)
        env.say("pretrain: \(train.count) training and \(eval.count) eval windows of \(data.maxLength) tokens; \(model.layout.count) parameters")
        try env.prepareRunDirectory()
        let settings = try OptimizationSettings(config: config)
        let objective = LanguageModelingObjective(train: train, eval: eval, padToken: data.padToken,
                                                  microBatchSize: settings.examplesPerPass)
        let trainer = try StageTrainer(stage: "pretrain", model: model, objective: objective, settings: settings,
                                       group: group, runDirectory: env.runDirectory)
        let evaluation = try trainer.run(resume: control.resume, stopAfter: control.stopAfterSteps)
        guard trainer.isFinished else { return StageResult(modelDirectory: nil, evaluation: evaluation, steps: trainer.completedSteps) }
        let directory = try env.saveFinalModel(model, tokenizerURL: tokenizerURL)
        return StageResult(modelDirectory: directory, evaluation: evaluation, steps: trainer.completedSteps)
    }

    /// `model.init` when set, else a fresh model shaped by the `model.*` keys; and the path
    /// where its tokenizer may be found.
    static func initialModel(_ config: RunConfig) throws -> (LlamaModel, String) {
        if let path = config.optionalString("model.init") {
            return (try loadModel(at: URL(fileURLWithPath: path)), path)
        }
        let dim = config.int("model.dim")
        let hidden = config.int("model.hidden_dim")
        let modelConfig = ModelConfig(
            dim: dim, nLayers: config.int("model.n_layers"), nHeads: config.int("model.n_heads"),
            nKVHeads: config.int("model.n_kv_heads"), hiddenDim: hidden > 0 ? hidden : (8 * dim / 3 + 31) / 32 * 32,
            vocabSize: 0, maxSeqLen: config.int("model.max_seq_len"), ropeTheta: config.float("model.rope_theta"),
            normEps: config.float("model.norm_eps"), tieEmbeddings: config.bool("model.tie_embeddings"))
        return (try freshModel(modelConfig, config: config), "")
    }

    /// A fresh model whose vocabulary is the tokenizer's.
    private static func freshModel(_ shape: ModelConfig, config: RunConfig) throws -> LlamaModel {
        guard let path = config.optionalString("tokenizer.path") else {
            throw TrainingError.invalidSetting("a fresh model needs tokenizer.path to size its vocabulary (or set model.init)")
        }
        var modelConfig = shape
        modelConfig.vocabSize = try loadTokenizer(at: URL(fileURLWithPath: path)).vocabSize
        try modelConfig.validate()
        return try LlamaModel.initialized(config: modelConfig, seed: UInt64(config.int("train.seed")),
                                          std: config.float("model.init_std"))
    }
}

/// Where a stage left its final model, and its last evaluation.
public struct StageResult: Sendable {
    /// The final model's directory; nil when the run stopped early (`RunControl.stopAfterSteps`).
    public var modelDirectory: URL?
    public var evaluation: [String: Double]
    /// Steps completed.
    public var steps: Int
}
