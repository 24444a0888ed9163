/// The critic's explained variance, `1 - Var(targets - predictions) / Var(targets)` (TRL's
/// `val/explained_var`): 1 for perfect predictions, 0 for predicting the mean, negative for worse.
///
/// Kept as additive sums so that it combines across sequences and (by the caller, with one
/// all-reduce of the five fields) across ranks.
public struct ExplainedVarianceSums: Equatable, Sendable {
    /// How many (prediction, target) pairs were summed.
    public var count: Double
    /// The sum of the targets.
    public var sumTargets: Double
    /// The sum of the squared targets.
    public var sumTargetSquares: Double
    /// The sum of the residuals, `target - prediction`.
    public var sumResiduals: Double
    /// The sum of the squared residuals.
    public var sumResidualSquares: Double

    /// No pairs: the identity of `+`.
    public init() {
        self.init(count: 0, sumTargets: 0, sumTargetSquares: 0, sumResiduals: 0, sumResidualSquares: 0)
    }

    /// Sums from their parts, e.g. after an all-reduce.
    public init(count: Double, sumTargets: Double, sumTargetSquares: Double, sumResiduals: Double, sumResidualSquares: Double) {
        self.count = count
        self.sumTargets = sumTargets
        self.sumTargetSquares = sumTargetSquares
        self.sumResiduals = sumResiduals
        self.sumResidualSquares = sumResidualSquares
    }

    /// The sums of one sequence's predictions (the critic's values) against its targets (the returns).
    public init(predictions: [Float], targets: [Float]) {
        precondition(predictions.count == targets.count, "predictions and targets differ in length")
        self.init()
        for (prediction, target) in zip(predictions, targets) {
            let y = Double(target)
            let residual = y - Double(prediction)
            sumTargets += y
            sumTargetSquares += y * y
            sumResiduals += residual
            sumResidualSquares += residual * residual
        }
        count = Double(targets.count)
    }

    /// The sums of both sets of pairs.
    public static func + (a: ExplainedVarianceSums, b: ExplainedVarianceSums) -> ExplainedVarianceSums {
        ExplainedVarianceSums(
            count: a.count + b.count,
            sumTargets: a.sumTargets + b.sumTargets,
            sumTargetSquares: a.sumTargetSquares + b.sumTargetSquares,
            sumResiduals: a.sumResiduals + b.sumResiduals,
            sumResidualSquares: a.sumResidualSquares + b.sumResidualSquares
        )
    }

    /// The explained variance; NaN when Var(targets) = 0 (including no pairs), where it is
    /// undefined. A target variance below 1e-12 of the targets' mean square counts as 0: that is
    /// what rounding in the sums leaves of constant targets.
    public var value: Double {
        guard count > 0 else { return .nan }
        let targetMeanSquare = sumTargetSquares / count
        let targetMean = sumTargets / count
        let targetVariance = targetMeanSquare - targetMean * targetMean
        guard targetVariance > 1e-12 * targetMeanSquare else { return .nan }
        let residualMean = sumResiduals / count
        let residualVariance = max(0, sumResidualSquares / count - residualMean * residualMean)
        return 1 - residualVariance / targetVariance
    }
}
