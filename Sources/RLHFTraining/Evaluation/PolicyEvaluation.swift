import Foundation
import RLHFCore
import RLHFData

/// How a trained policy compares with the model it started from on held-out prompts: judge
/// scores, reward-model scores, KL to the baseline, win rate, fluency, perplexity of both
/// models' responses under a fixed model, and sample responses.
public struct PolicyEvaluation {
    public var policy: PolicySampler
    public var baseline: PolicySampler
    /// Scores of whole prompt + response texts under the judge, if the task has one.
    public var judge: (any ResponseJudge)?
    /// The reward model, if any, scoring tokenized rollouts.
    public var rewardModel: LlamaModel?
    public var rewardNormalization: RewardNormalization?
    /// The model that measures how natural both models' responses read (the baseline, or the
    /// pretrained model the baseline came from).
    public var perplexityModel: LlamaModel

    public init(policy: PolicySampler, baseline: PolicySampler, judge: (any ResponseJudge)?, rewardModel: LlamaModel?,
                rewardNormalization: RewardNormalization?, perplexityModel: LlamaModel) {
        self.policy = policy
        self.baseline = baseline
        self.judge = judge
        self.rewardModel = rewardModel
        self.rewardNormalization = rewardNormalization
        self.perplexityModel = perplexityModel
    }

    /// Samples one response per prompt from each model (every rank a share) and measures them
    /// on rank 0; the other ranks return nil.
    public func run(prompts: [String], group: DataParallelGroup) throws -> PolicyEvaluationResult? {
        let afterSamples = try policy.sample(prompts, count: 1, group: group).compactMap(\.first)
        let beforeSamples = try baseline.sample(prompts, count: 1, group: group).compactMap(\.first)
        guard group.isLeader, afterSamples.count == prompts.count, beforeSamples.count == prompts.count else { return nil }
        let after = afterSamples.map(\.text), before = beforeSamples.map(\.text)
        var result = PolicyEvaluationResult(prompts: prompts, before: before, after: after)
        if let judge {
            let policyScores = zip(prompts, after).map { judge.score(prompt: $0, response: $1) }
            let baselineScores = zip(prompts, before).map { judge.score(prompt: $0, response: $1) }
            result.judgeScore = (mean(baselineScores), mean(policyScores))
            result.winRate = mean(zip(policyScores, baselineScores).map { $0 > $1 ? 1 : $0 == $1 ? 0.5 : 0 })
            result.fluency = (mean(before.map { judge.isFluent($0) ? 1 : 0 }), mean(after.map { judge.isFluent($0) ? 1 : 0 }))
        }
        if let rewardModel {
            let (beforeScores, afterScores) = (try rewardScores(rewardModel, prompts, beforeSamples),
                                               try rewardScores(rewardModel, prompts, afterSamples))
            result.rewardScore = (mean(beforeScores), mean(afterScores))
            if result.winRate == nil {
                result.winRate = mean(zip(afterScores, beforeScores).map { $0 > $1 ? 1 : $0 == $1 ? 0.5 : 0 })
            }
        }
        result.kl = try klToBaseline(prompts: prompts, responses: afterSamples)
        result.baselinePerplexity = try perplexity(of: beforeSamples, prompts: prompts)
        result.policyPerplexity = try perplexity(of: afterSamples, prompts: prompts)
        return result
    }

    private func tokenized(_ prompts: [String], _ responses: [SampledResponse]) -> (prompts: [[Int32]], responses: [[Int32]]) {
        (prompts.map(policy.promptTokens), responses.map(\.tokens))
    }

    private func rewardScores(_ model: LlamaModel, _ prompts: [String], _ responses: [SampledResponse]) throws -> [Double] {
        let (p, r) = tokenized(prompts, responses)
        let scorer = RewardModelScorer(model: model, normalization: rewardNormalization,
                                       padToken: policy.tokenizer.paddingToken)
        var scores: [Double] = []
        for chunk in Array(p.indices)[...].chunked(16) {
            scores += try scorer.scores(prompts: chunk.map { p[$0] }, responses: chunk.map { r[$0] }).map(Double.init)
        }
        return scores
    }

    /// Mean over prompts of the summed log-ratio log pi(y|x) - log pi_baseline(y|x) of the
    /// policy's responses: the k1 estimate of KL(pi || baseline) per sequence.
    private func klToBaseline(prompts: [String], responses: [SampledResponse]) throws -> Double {
        let (p, r) = tokenized(prompts, responses)
        let pad = policy.tokenizer.paddingToken
        var total = 0.0
        for chunk in Array(p.indices)[...].chunked(16) {
            let (a, _, _) = try ResponseBatch.logProbs(policy.model, prompts: chunk.map { p[$0] }, responses: chunk.map { r[$0] },
                                                       temperature: policy.sampling.temperature, padToken: pad)
            let (b, _, _) = try ResponseBatch.logProbs(baseline.model, prompts: chunk.map { p[$0] }, responses: chunk.map { r[$0] },
                                                       temperature: policy.sampling.temperature, padToken: pad)
            for (x, y) in zip(a, b) { total += zip(x, y).reduce(0.0) { $0 + Double($1.0 - $1.1) } }
        }
        return total / Double(max(prompts.count, 1))
    }

    /// The perplexity model's perplexity of `responses`: how natural they read to the model the
    /// policy started from, or to its pretrained ancestor (fluency when there is no grammar).
    private func perplexity(of responses: [SampledResponse], prompts: [String]) throws -> Double {
        let (p, r) = tokenized(prompts, responses)
        let pad = policy.tokenizer.paddingToken
        var nll = 0.0, count = 0.0
        for chunk in Array(p.indices)[...].chunked(16) {
            let (logProbs, _, _) = try ResponseBatch.logProbs(perplexityModel, prompts: chunk.map { p[$0] }, responses: chunk.map { r[$0] },
                                                              temperature: 1, padToken: pad)
            for row in logProbs {
                nll -= row.reduce(0.0) { $0 + Double($1) }
                count += Double(row.count)
            }
        }
        return exp(nll / max(count, 1))
    }

    private func mean(_ values: [Double]) -> Double { values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count) }
}

/// What `PolicyEvaluation` measured; pairs are (baseline, policy).
public struct PolicyEvaluationResult: Sendable {
    public var prompts: [String]
    public var before: [String]
    public var after: [String]
    public var judgeScore: (baseline: Double, policy: Double)?
    public var rewardScore: (baseline: Double, policy: Double)?
    /// The share of prompts where the policy's response beats the baseline's (ties count half),
    /// under the judge, or under the reward model when there is no judge.
    public var winRate: Double?
    public var fluency: (baseline: Double, policy: Double)?
    public var kl = 0.0
    /// The perplexity model's perplexity of the baseline's and of the policy's responses.
    public var baselinePerplexity = 0.0
    public var policyPerplexity = 0.0

    /// The figures as metrics (`eval/...`).
    public var metrics: [String: Double] {
        var m: [String: Double] = ["eval/kl_to_baseline": kl, "eval/perplexity_of_baseline": baselinePerplexity,
                                   "eval/perplexity_of_policy": policyPerplexity,
                                   "eval/perplexity_ratio": policyPerplexity / baselinePerplexity]
        if let judgeScore { m["eval/gold_score_baseline"] = judgeScore.baseline; m["eval/gold_score"] = judgeScore.policy }
        if let rewardScore { m["eval/rm_score_baseline"] = rewardScore.baseline; m["eval/rm_score"] = rewardScore.policy }
        if let winRate { m["eval/win_rate"] = winRate }
        if let fluency { m["eval/fluency_baseline"] = fluency.baseline; m["eval/fluency"] = fluency.policy }
        return m
    }
}
