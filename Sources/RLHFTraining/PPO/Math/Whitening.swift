/// Additive first and second moments of a set of values, combinable across sequences and (by
/// the caller, with one all-reduce of the three fields) across MPI ranks, so that advantages are
/// whitened with the statistics of the whole global batch, whatever the layout.
public struct MomentSums: Equatable, Sendable {
    /// How many values were summed.
    public var count: Double
    /// The sum of the values.
    public var sum: Double
    /// The sum of the squared values.
    public var sumOfSquares: Double

    /// No values: the identity of `+`.
    public init() {
        self.init(count: 0, sum: 0, sumOfSquares: 0)
    }

    /// The moments of `values`, accumulated in Double.
    public init(_ values: [Float]) {
        self.init()
        for value in values {
            let x = Double(value)
            sum += x
            sumOfSquares += x * x
        }
        count = Double(values.count)
    }

    /// Moments from their parts, e.g. after an all-reduce.
    public init(count: Double, sum: Double, sumOfSquares: Double) {
        self.count = count
        self.sum = sum
        self.sumOfSquares = sumOfSquares
    }

    /// The moments of the union of both sets.
    public static func + (a: MomentSums, b: MomentSums) -> MomentSums {
        MomentSums(count: a.count + b.count, sum: a.sum + b.sum, sumOfSquares: a.sumOfSquares + b.sumOfSquares)
    }

    /// The mean; 0 for no values.
    public var mean: Double {
        count > 0 ? sum / count : 0
    }

    /// The unbiased variance (divided by count - 1, as TRL's `masked_var`); 0 when count < 2.
    /// Never negative, though rounding in the sums can push the raw difference below zero.
    public var variance: Double {
        count >= 2 ? max(0, (sumOfSquares - sum * mean) / (count - 1)) : 0
    }
}

/// `(x - mean) / sqrt(variance + 1e-8)`, as TRL's `masked_whiten` with `shift_mean = true`, so
/// that advantages have a scale independent of the reward's; the 1e-8 guards constant inputs.
public func whitened(_ values: [Float], by moments: MomentSums) -> [Float] {
    let mean = moments.mean
    let scale = 1 / (moments.variance + 1e-8).squareRoot()
    return values.map { Float((Double($0) - mean) * scale) }
}
