/// A 64-bit FNV-1a hash of the UTF-8 bytes of `s`.
///
/// Unlike `hashValue`, which Swift seeds randomly in every process, this value is fixed by the
/// algorithm: it is the same on every run, machine and Swift version, so it can decide durable
/// things such as which examples are held out for evaluation.
public func stableHash(_ s: String) -> UInt64 {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in s.utf8 {
        hash ^= UInt64(byte)
        hash &*= 0x0000_0100_0000_01B3
    }
    return hash
}

/// Splits `items` into a training and an evaluation set by the stable hash of each item's key.
///
/// An item goes to evaluation iff `stableHash(key(item)) % 1_000_000 < evalFraction * 1_000_000`,
/// so the split depends on nothing but the keys: items with the same key (e.g. the same prompt)
/// always land on the same side, on every run and whatever else is in the dataset, and a prompt
/// seen in training is never evaluated on. The evaluation share is `evalFraction` on average.
///
/// - Parameters:
///   - evalFraction: the expected share of evaluation items, in `0...1`.
///   - key: the text that decides an item's side, e.g. its prompt.
/// - Returns: both sets, each in the order of `items`.
public func splitTrainEval<T>(
    _ items: [T],
    evalFraction: Double,
    key: (T) throws -> String
) rethrows -> (train: [T], eval: [T]) {
    precondition((0...1).contains(evalFraction), "evalFraction must be in 0...1, got \(evalFraction)")
    let threshold = evalFraction * 1_000_000
    var train: [T] = []
    var eval: [T] = []
    for item in items {
        if Double(stableHash(try key(item)) % 1_000_000) < threshold {
            eval.append(item)
        } else {
            train.append(item)
        }
    }
    return (train, eval)
}
