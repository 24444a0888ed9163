/// How a rollout's score and the KL penalty become per-token rewards (Ziegler et al. 2019, TRL).
///
/// The reward model scores whole responses, so the score is placed on the last response token,
/// while the KL penalty against the reference is paid on every token.
public struct RewardShaping: Equatable, Sendable {
    /// The weight of the per-token KL penalty (beta, TRL's `kl_coef`).
    public var klCoefficient: Float
    /// How the per-token KL is estimated from the sampled token's log-probs.
    public var estimator: KLEstimator
    /// Subtracted from the score when the response did not end with EOS (TRL's
    /// `missing_eos_penalty`), so that truncated rambling is not rewarded; 0 = off.
    public var missingEOSPenalty: Float
    /// Scores are clipped to `[-scoreClip, scoreClip]` to bound outlier rewards; 0 = off.
    public var scoreClip: Float

    /// Shaping with the given penalty weight and estimator; the EOS penalty and clip are off by default.
    public init(klCoefficient: Float, estimator: KLEstimator = .k1, missingEOSPenalty: Float = 0, scoreClip: Float = 0) {
        self.klCoefficient = klCoefficient
        self.estimator = estimator
        self.missingEOSPenalty = missingEOSPenalty
        self.scoreClip = scoreClip
    }

    /// `rewards[t] = -klCoefficient * kl[t]`, plus the (penalised, then clipped) score at the
    /// last response token (index n-1). An empty response gets empty rewards.
    public func tokenRewards(score: Float, logProbs: [Float], referenceLogProbs: [Float], endedWithEOS: Bool) -> TokenRewards {
        precondition(logProbs.count == referenceLogProbs.count, "log-probs and reference log-probs differ in length")
        let kl = zip(logProbs, referenceLogProbs).map { estimator.perToken(logProb: $0, referenceLogProb: $1) }
        var rewards = kl.map { -klCoefficient * $0 }
        let shaped = shapedScore(score, endedWithEOS: endedWithEOS)
        if let last = rewards.indices.last {
            rewards[last] += shaped
        }
        return TokenRewards(rewards: rewards, kl: kl, score: shaped)
    }

    private func shapedScore(_ score: Float, endedWithEOS: Bool) -> Float {
        let penalised = endedWithEOS ? score : score - missingEOSPenalty
        return scoreClip > 0 ? min(max(penalised, -scoreClip), scoreClip) : penalised
    }
}

/// One response's per-token rewards, with the parts that made them, for GAE and the metrics.
public struct TokenRewards: Equatable, Sendable {
    /// The reward at each response token: the KL penalty, plus the score at the last token.
    public var rewards: [Float]
    /// The per-token KL estimate (before weighting), for `objective/kl`.
    public var kl: [Float]
    /// The score after the missing-EOS penalty and the clip, for `objective/scores`.
    public var score: Float
}
