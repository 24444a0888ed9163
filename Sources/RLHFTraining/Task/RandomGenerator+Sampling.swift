import RLHFCore

// Written out rather than taken from the standard library's `random(in:using:)`, whose
// algorithms may change between Swift releases: the task's data must stay identical per seed.
extension RandomGenerator {
    /// Uniform in [0, 1) with 53 bits of resolution.
    mutating func nextUnitDouble() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// True with the given probability.
    mutating func nextChance(_ probability: Double) -> Bool {
        nextUnitDouble() < probability
    }

    /// Uniform in 0..<count; `count` must be positive.
    mutating func nextIndex(below count: Int) -> Int {
        precondition(count > 0, "cannot choose among no items")
        return min(Int(nextUnitDouble() * Double(count)), count - 1)
    }

    /// A uniformly chosen element of a non-empty array.
    mutating func nextElement<Element>(of elements: [Element]) -> Element {
        elements[nextIndex(below: elements.count)]
    }
}
