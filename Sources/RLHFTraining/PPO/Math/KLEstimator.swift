import Foundation

/// Per-token KL estimators between the policy and the reference, from the log-probs of the
/// sampled token.
///
/// Actors and the reference rank keep only the sampled token's log-prob (not the full
/// distribution), so KL(pi || pi_ref) is estimated from one sample per position, as in
/// Schulman's "Approximating KL Divergence" (2020) and TRL's `kl_estimator`.
public enum KLEstimator: String, Sendable, Codable, CaseIterable {
    /// `logp - logp_ref`: unbiased, but negative on some tokens; TRL's default.
    case k1
    /// `(r - 1) - log r` with `r = exp(logp_ref - logp)`: unbiased and never negative, with lower
    /// variance than `k1` when the two policies are close.
    case k3

    /// The estimate at one token, from the policy's and the reference's log-probs of that token.
    /// Computed in Double so that `k3`'s cancellation near `r = 1` keeps its precision.
    public func perToken(logProb: Float, referenceLogProb: Float) -> Float {
        switch self {
        case .k1:
            return logProb - referenceLogProb
        case .k3:
            let logRatio = Double(referenceLogProb) - Double(logProb)
            return Float(expm1(logRatio) - logRatio)
        }
    }
}
