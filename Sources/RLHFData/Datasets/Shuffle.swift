import RLHFCore

/// A permutation of `0..<count` that is the same for the same `(seed, epoch)` and differs from
/// epoch to epoch, so that every epoch visits the data in a new but reproducible order.
///
/// The order is a Fisher-Yates shuffle driven by `RandomGenerator`, seeded from a mix of `seed`
/// and `epoch`, with its own unbiased bounded draw: the standard library does not promise that
/// `Int.random(in:using:)` draws the same way in every Swift version, and this order must not change.
public func shuffledIndices(count: Int, seed: UInt64, epoch: Int) -> [Int] {
    precondition(count >= 0, "count must not be negative, got \(count)")
    var generator = RandomGenerator(seed: epochSeed(seed: seed, epoch: epoch))
    var indices = Array(0..<count)
    var i = count - 1
    while i > 0 {
        let j = Int(boundedRandom(below: UInt64(i + 1), using: &generator))
        indices.swapAt(i, j)
        i -= 1
    }
    return indices
}

/// A place in an endless, epoch-by-epoch shuffled walk through a dataset.
///
/// Training checkpoints store the cursor, so a resumed run continues with exactly the examples
/// the interrupted run would have seen next.
public struct EpochCursor: Codable, Equatable, Sendable {
    /// The epoch being walked, from 0.
    public var epoch: Int
    /// How many examples of this epoch's order have been handed out.
    public var position: Int

    public init(epoch: Int = 0, position: Int = 0) {
        self.epoch = epoch
        self.position = position
    }

    /// The next `batch` example indices in `shuffledIndices(count:seed:epoch:)` order, moving on to
    /// the next epoch's order when this one runs out (mid-batch if need be).
    ///
    /// Each call rebuilds the current epoch's permutation, O(`count`), which is small beside a
    /// training step. If `count` shrank since the cursor was saved, a position past the end
    /// starts the next epoch.
    public mutating func next(batch: Int, count: Int, seed: UInt64) -> [Int] {
        precondition(count > 0, "cannot draw from an empty dataset")
        precondition(batch >= 0, "batch must not be negative, got \(batch)")
        var indices: [Int] = []
        indices.reserveCapacity(batch)
        while indices.count < batch {
            if position >= count {
                epoch += 1
                position = 0
            }
            let order = shuffledIndices(count: count, seed: seed, epoch: epoch)
            let take = min(batch - indices.count, count - position)
            indices += order[position..<(position + take)]
            position += take
        }
        if position >= count {
            epoch += 1
            position = 0
        }
        return indices
    }
}

/// The generator seed of one epoch: SplitMix64's finaliser over `seed` and `epoch`, so that nearby
/// seeds and epochs give unrelated streams.
private func epochSeed(seed: UInt64, epoch: Int) -> UInt64 {
    func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    return mix(mix(seed) ^ UInt64(bitPattern: Int64(epoch)))
}

/// A uniform draw from `0..<bound` (Lemire's multiply-shift with rejection, so no value is favoured).
private func boundedRandom(below bound: UInt64, using generator: inout RandomGenerator) -> UInt64 {
    var product = generator.next().multipliedFullWidth(by: bound)
    if product.low < bound {
        let threshold = (0 &- bound) % bound
        while product.low < threshold {
            product = generator.next().multipliedFullWidth(by: bound)
        }
    }
    return product.high
}
