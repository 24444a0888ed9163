/// The clipped value loss of PPO (TRL's `cliprange_value`), summed over one sequence's tokens:
/// `0.5 max((v - R)^2, (clip(v, v_old - c, v_old + c) - R)^2)`.
///
/// Clipping keeps the critic from moving far from the values the advantages were computed
/// with in one update. Returns the loss with its gradient with respect to the values. Computed
/// in Double.
public func clippedValueLoss(values: [Float], oldValues: [Float], returns: [Float], clipRange: Float) -> ValueLossTerms {
    precondition(values.count == oldValues.count, "values and old values differ in length")
    precondition(values.count == returns.count, "values and returns differ in length")
    let range = Double(clipRange)
    var terms = ValueLossTerms(lossSum: 0, dValues: [], clippedCount: 0)
    terms.dValues.reserveCapacity(values.count)
    for t in values.indices {
        let value = Double(values[t])
        let old = Double(oldValues[t])
        let target = Double(returns[t])
        let clippedValue = min(max(value, old - range), old + range)
        let unclippedError = value - target
        let clippedError = clippedValue - target
        // The clipped term can only be the larger when the value is outside the range, where it
        // is constant in v: those tokens pass no gradient.
        if clippedError * clippedError > unclippedError * unclippedError {
            terms.lossSum += 0.5 * clippedError * clippedError
            terms.dValues.append(0)
            terms.clippedCount += 1
        } else {
            terms.lossSum += 0.5 * unclippedError * unclippedError
            terms.dValues.append(Float(unclippedError))
        }
    }
    return terms
}

/// The clipped value loss of one sequence, its gradient and the numerator of TRL's
/// `val/clipfrac`.
public struct ValueLossTerms: Equatable, Sendable {
    /// The value loss summed over the tokens.
    public var lossSum: Double
    /// d(lossSum)/d(v_t): `v - R` where the unclipped term is active, 0 where the clipped term is.
    public var dValues: [Float]
    /// Tokens where the clipped term is the larger (TRL's `vf_losses2 > vf_losses1`).
    public var clippedCount: Int
}
