import Foundation

/// PPO's clipped surrogate (Schulman et al. 2017) for one sequence, summed over its tokens; the
/// caller divides by the global token count, so that every token of the global batch weighs
/// the same whatever the layout:
/// `ratio = exp(logp - old)`, `loss_t = max(-A ratio, -A clip(ratio, 1 - eps, 1 + eps))`.
///
/// Returns the loss with its gradient with respect to the new log-probs (to be chained into the
/// policy's backward pass) and TRL's diagnostics. Computed in Double.
public func clippedPolicyLoss(logProbs: [Float], oldLogProbs: [Float], advantages: [Float], clipRange: Float) -> PolicyLossTerms {
    precondition(logProbs.count == oldLogProbs.count, "log-probs and old log-probs differ in length")
    precondition(logProbs.count == advantages.count, "log-probs and advantages differ in length")
    let lower = 1 - Double(clipRange)
    let upper = 1 + Double(clipRange)
    var terms = PolicyLossTerms(lossSum: 0, dLogProbs: [], clippedCount: 0, approxKLSum: 0, maxAbsLogRatio: 0)
    terms.dLogProbs.reserveCapacity(logProbs.count)
    for t in logProbs.indices {
        let logRatio = Double(logProbs[t]) - Double(oldLogProbs[t])
        let ratio = exp(logRatio)
        let advantage = Double(advantages[t])
        let unclipped = -advantage * ratio
        let clipped = -advantage * min(max(ratio, lower), upper)
        // The clipped term can only be the larger when the ratio is outside the range, where it
        // is constant in logp: those tokens pass no gradient.
        if clipped > unclipped {
            terms.lossSum += clipped
            terms.dLogProbs.append(0)
            terms.clippedCount += 1
        } else {
            terms.lossSum += unclipped
            terms.dLogProbs.append(Float(unclipped))
        }
        terms.approxKLSum += 0.5 * logRatio * logRatio
        terms.maxAbsLogRatio = max(terms.maxAbsLogRatio, Float(abs(logRatio)))
    }
    return terms
}

/// The clipped surrogate of one sequence, its gradient and the diagnostics behind TRL's
/// `policy/clipfrac`, `policy/approxkl` and a drift check.
public struct PolicyLossTerms: Equatable, Sendable {
    /// The surrogate loss summed over the tokens.
    public var lossSum: Double
    /// d(lossSum)/d(logp_t): `-A ratio` where the unclipped term is active (or the ratio is inside
    /// the clip range), 0 where the clipped term is active with the ratio outside the range.
    public var dLogProbs: [Float]
    /// Tokens where the clipped term is the larger (TRL's `pg_clipfrac` numerator,
    /// `pg_losses2 > pg_losses`).
    public var clippedCount: Int
    /// The sum of `0.5 (logp - old)^2` (TRL's `approxkl`, before the mean).
    public var approxKLSum: Double
    /// The largest `|logp - old|`: 0 at the first step of an iteration when nothing drifted, so
    /// a non-zero value there reveals a mismatch between the actor's and the learner's log-probs.
    public var maxAbsLogRatio: Float
}
