/// Decides whether an optimiser update may be applied: an update whose loss or gradient norm
/// is NaN or infinite is skipped (the weights stay as they were), and the run stops once
/// `limit` updates in a row were skipped, since the weights or the data are then broken
/// rather than one batch.
///
/// Every data-parallel rank must reach the same decision; the values it is given must
/// therefore be identical on every rank (global sums, or norms of all-reduced gradients).
public struct NonFiniteGuard: Sendable {
    /// Consecutive skipped updates that stop the run; 1 stops at the first.
    public let limit: Int
    /// The config key that sets `limit`, named in the error.
    public let setting: String
    /// Updates skipped in a row so far.
    public private(set) var consecutive = 0

    public init(limit: Int, setting: String) {
        precondition(limit >= 1, "\(setting) must be at least 1")
        self.limit = limit
        self.setting = setting
    }

    /// Whether the update of `step` may be applied given its `values` (name and value).
    ///
    /// - Returns: true when every value is finite; false when the update must be skipped.
    /// - Throws: `TrainingError.nonFinite` when this is the `limit`-th skipped update in a row.
    public mutating func admits(step: Int, _ values: [(name: String, value: Double)]) throws(TrainingError) -> Bool {
        let bad = values.filter { !$0.value.isFinite }.map(\.name)
        guard !bad.isEmpty else {
            consecutive = 0
            return true
        }
        consecutive += 1
        let what = bad.joined(separator: " and ")
        guard consecutive < limit else {
            throw .nonFinite(step: step, what: what, consecutive: consecutive, setting: setting)
        }
        return false
    }
}
