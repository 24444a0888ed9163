import Foundation
import RLHFCore
import RLHFData

extension EvaluationStage {
    /// `rlhf eval` with `eval.baseline`: the policy in `model.path` against the baseline on the
    /// prompts in `data.files`. Returns the metrics on rank 0 (empty elsewhere) and writes them,
    /// with the sample responses, to `eval.output` when set.
    static func evaluatePolicy(config: RunConfig, group: DataParallelGroup) throws -> [String: Double] {
        let env = StageEnvironment(config: config, group: group)
        let policyPath = config.string("model.path"), baselinePath = config.string("eval.baseline")
        let judge = try JudgeCatalog.judge(in: config, command: "eval")
        let tokenizer = try loadTokenizer(at: env.tokenizerURL(modelPath: policyPath))
        let template = try ChatTemplate(preset: config.string("tokenizer.template"))
        let sampling = SamplingParameters(temperature: config.float("eval.temperature"))
        func sampler(_ path: String) throws -> PolicySampler {
            PolicySampler(model: try loadModel(at: URL(fileURLWithPath: path)), tokenizer: tokenizer, template: template,
                          sampling: sampling, maxNewTokens: config.int("eval.max_new_tokens"),
                          maxPromptTokens: config.int("eval.max_prompt_tokens"), seed: UInt64(config.int("eval.seed")))
        }
        var prompts: [String] = []
        for path in config.stringList("data.files") {
            let (loaded, summary) = try loadPrompts(at: URL(fileURLWithPath: path), options: LoadOptions(skipBadLines: config.bool("data.skip_bad_lines")))
            env.say("data: \(summary)")
            prompts += loaded
        }
        let limit = config.int("eval.max_examples")
        if limit > 0 { prompts = Array(prompts.prefix(limit)) }

        var rewardModel: LlamaModel?, normalization: RewardNormalization?
        if let path = config.optionalString("eval.reward_model") {
            rewardModel = try loadModel(at: URL(fileURLWithPath: path))
            normalization = try RewardNormalization.read(modelDirectory: URL(fileURLWithPath: path))
        }
        let baseline = try sampler(baselinePath)
        let perplexityModel = try config.optionalString("eval.perplexity_model").map { try loadModel(at: URL(fileURLWithPath: $0)) }
        let evaluation = PolicyEvaluation(policy: try sampler(policyPath), baseline: baseline,
                                          judge: judge,
                                          rewardModel: rewardModel, rewardNormalization: normalization,
                                          perplexityModel: perplexityModel ?? baseline.model)
        guard let result = try evaluation.run(prompts: prompts, group: group) else { return [:] }
        if let output = config.optionalString("eval.output") {
            var object: [String: Any] = ["metrics": result.metrics]
            object["samples"] = (0..<result.prompts.count).map {
                ["prompt": result.prompts[$0], "before": result.before[$0], "after": result.after[$0]]
            }
            let url = URL(fileURLWithPath: output)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]).write(to: url, options: .atomic)
        }
        return result.metrics
    }
}
