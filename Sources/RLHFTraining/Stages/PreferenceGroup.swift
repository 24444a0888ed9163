/// Preference pairs trained as one example, each distinct response scored once.
///
/// InstructGPT (Ouyang et al. 2022, section 3.5) trains on all comparisons of a prompt as a
/// single batch element. Shuffled into independent pairs, a response appears in several pairs
/// of an epoch and the reward model overfits to it; grouped, it is seen once per epoch, and K
/// responses cost K forward passes instead of one per side of each of their pairs.
public struct PreferenceGroup: Equatable, Sendable {
    /// One comparison, as indices into `sequences`.
    public struct Pair: Equatable, Sendable {
        public var chosen: Int
        public var rejected: Int

        public init(chosen: Int, rejected: Int) {
            self.chosen = chosen
            self.rejected = rejected
        }
    }

    /// Each distinct tokenized sequence (prompt and response) once.
    public var sequences: [[Int32]]
    /// The comparisons among `sequences`.
    public var pairs: [Pair]

    public init(sequences: [[Int32]], pairs: [Pair]) {
        self.sequences = sequences
        self.pairs = pairs
    }

    /// Groups `pairs`: each run of consecutive pairs with equal `keys` (e.g. the pairs of one
    /// prompt's sampled responses, which `rlhf compare` writes together) becomes one group; each
    /// pair is alone when `keys` is nil. Runs, not all pairs of equal keys: a prompt drawn twice
    /// is two rankings, and merging them would make some examples many times the others' size.
    public static func grouping(_ pairs: [TokenizedPair], by keys: [String]?) -> [PreferenceGroup] {
        guard let keys else { return pairs.map { PreferenceGroup(pairs: [$0]) } }
        precondition(keys.count == pairs.count, "one grouping key per pair")
        guard !pairs.isEmpty else { return [] }
        var groups: [PreferenceGroup] = []
        var start = 0
        for end in 1...pairs.count where end == pairs.count || keys[end] != keys[start] {
            groups.append(PreferenceGroup(pairs: Array(pairs[start..<end])))
            start = end
        }
        return groups
    }

    /// All of `pairs` as one group: each distinct sequence once, in order of first appearance.
    public init(pairs: [TokenizedPair]) {
        var sequences: [[Int32]] = []
        var index: [[Int32]: Int] = [:]
        func indexOf(_ sequence: [Int32]) -> Int {
            if let known = index[sequence] { return known }
            index[sequence] = sequences.count
            sequences.append(sequence)
            return sequences.count - 1
        }
        let indexed = pairs.map { Pair(chosen: indexOf($0.chosen), rejected: indexOf($0.rejected)) }
        self.init(sequences: sequences, pairs: indexed)
    }
}
