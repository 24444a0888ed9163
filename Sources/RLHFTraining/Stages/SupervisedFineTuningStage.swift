import Foundation
import RLHFCore
import RLHFData

/// `rlhf sft`: fine-tune a model on demonstrations, with the loss on response tokens only.
public enum SupervisedFineTuningStage {
    /// What decides an example's side of the train/eval split: its prompt, or for examples
    /// without one (plain-text fine-tuning) the completion itself.
    static func splitKey(_ example: SFTExample) -> String {
        guard example.promptKey.isEmpty, case .completion(_, let completion) = example.content else { return example.promptKey }
        return completion
    }

    /// Trains as `config` (a `StageSchemas.sft` config) says.
    public static func run(config: RunConfig, group: DataParallelGroup, control: RunControl = RunControl()) throws -> StageResult {
        let env = StageEnvironment(config: config, group: group)
        let modelPath = config.string("model.init")
        let model = try loadModel(at: URL(fileURLWithPath: modelPath))
        guard model.head == .languageModel else {
            throw TrainingError.invalidSetting("model.init \(modelPath) is a reward model (scalar head); SFT needs a language model")
        }
        let tokenizerURL = try env.tokenizerURL(modelPath: modelPath)
        let data = try env.stageData(modelPath: modelPath, model: model)
        let (trainExamples, evalExamples) = try env.loadSplit(key: splitKey, load: { try loadSFTExamples(at: $0, options: $1) })
        let (train, droppedTrain) = data.supervisedSequences(trainExamples)
        let (eval, droppedEval) = data.supervisedSequences(evalExamples)
        if droppedTrain + droppedEval > 0 {
            env.say("sft: dropped \(droppedTrain + droppedEval) examples whose response starts beyond data.seq_len = \(data.maxLength) tokens")
        }
        env.say("sft: \(train.count) training and \(eval.count) eval examples; \(model.layout.count) parameters")
        try env.prepareRunDirectory()
        let settings = try OptimizationSettings(config: config)
        let objective = LanguageModelingObjective(train: train, eval: eval, padToken: data.padToken,
                                                  microBatchSize: settings.examplesPerPass)
        let trainer = try StageTrainer(stage: "sft", model: model, objective: objective, settings: settings,
                                       group: group, runDirectory: env.runDirectory)
        let evaluation = try trainer.run(resume: control.resume, stopAfter: control.stopAfterSteps)
        guard trainer.isFinished else { return StageResult(modelDirectory: nil, evaluation: evaluation, steps: trainer.completedSteps) }
        let directory = try env.saveFinalModel(model, tokenizerURL: tokenizerURL)
        return StageResult(modelDirectory: directory, evaluation: evaluation, steps: trainer.completedSteps)
    }
}
