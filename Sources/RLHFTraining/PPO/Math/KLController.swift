/// Fixed or adaptive KL coefficient (Ziegler et al. 2019, TRL's `AdaptiveKLController`):
/// `error = clip(kl / target - 1, -0.2, 0.2)`, then `coef *= 1 + error * batchSize / horizon`.
///
/// The adaptive form steers the policy's KL to the reference towards `target` instead of
/// fixing the penalty's weight; it is `Codable` so that checkpoints resume it exactly.
public struct KLController: Codable, Equatable, Sendable {
    /// The current weight of the per-token KL penalty (beta).
    public private(set) var coefficient: Double
    /// The KL the controller aims for; `nil` keeps the coefficient fixed.
    public let target: Double?
    /// How many samples it takes to move the coefficient by the full clipped error; larger is slower.
    public let horizon: Double

    /// A controller starting at `coefficient`; adaptive when `target` is given.
    public init(coefficient: Double, target: Double? = nil, horizon: Double = 10_000) {
        precondition(coefficient >= 0, "the KL coefficient must not be negative")
        precondition(target.map { $0 > 0 } ?? true, "the KL target must be positive")
        precondition(horizon > 0, "the KL horizon must be positive")
        self.coefficient = coefficient
        self.target = target
        self.horizon = horizon
    }

    /// Moves the coefficient after a batch of `batchSize` rollouts whose mean KL was `observedKL`.
    /// A no-op when fixed; a non-finite KL is ignored, so one bad batch cannot poison the
    /// coefficient for the rest of the run.
    public mutating func update(observedKL: Double, batchSize: Int) {
        guard let target, observedKL.isFinite else { return }
        let error = min(max(observedKL / target - 1, -0.2), 0.2)
        coefficient *= 1 + error * Double(batchSize) / horizon
    }
}
