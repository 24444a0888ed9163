import RLHFCore

/// Learns BPE merges from counted words: repeatedly merges the most frequent adjacent pair of
/// tokens, keeping pair counts up to date incrementally so each merge only touches the words
/// that contain its pair.
///
/// Ties between equally frequent pairs go to the pair whose (left bytes, right bytes) sorts
/// first, so training is deterministic whatever the hash seeds.
struct MergeLearner {
    /// Each token's bytes, indexed by id; ids 0-255 are the single bytes.
    private(set) var tokenBytes: [[UInt8]] = (0...255).map { [UInt8($0)] }
    /// Learned merges as (left id, right id), in the order learned.
    private(set) var merges: [(left: Int32, right: Int32)] = []

    private var tokenIDs: [[UInt8]: Int32] = Dictionary(uniqueKeysWithValues: (0...255).map { ([UInt8($0)], Int32($0)) })
    /// Every distinct word as its current tokens, and how often it occurs.
    private var words: [[Int32]]
    private let wordCounts: [Int]
    /// Occurrences of each adjacent pair across the corpus, keyed by `pairKey`.
    private var pairCounts: [UInt64: Int] = [:]
    /// Indices of the words each pair has appeared in (possibly stale or repeated; checked on use).
    private var pairWords: [UInt64: [Int32]] = [:]
    private var queue = BinaryHeap<PairCandidate>(by: PairCandidate.precedes)

    /// Prepares to learn from `words` (byte strings) occurring `counts` times each.
    init(words: [[UInt8]], counts: [Int]) {
        self.words = words.map { $0.map(Int32.init) }
        wordCounts = counts
        for (index, word) in self.words.enumerated() {
            for position in word.indices.dropLast() {
                let pair = pairKey(word[position], word[position + 1])
                pairCounts[pair, default: 0] += counts[index]
                pairWords[pair, default: []].append(Int32(index))
            }
        }
        for (pair, count) in pairCounts {
            queue.push(PairCandidate(count: count, pair: pair, bytes: tokenBytes))
        }
    }

    /// Learns merges until there are `tokenCount` tokens or no pair occurs `minFrequency` times.
    mutating func learn(untilTokenCount tokenCount: Int, minFrequency: Int) {
        while tokenBytes.count < tokenCount, let entry = queue.pop() {
            let current = pairCounts[entry.pair] ?? 0
            guard entry.count == current else {
                // The pair's count fell since it was queued (rises are queued as they happen).
                if current > 0 { queue.push(PairCandidate(count: current, pair: entry.pair, bytes: tokenBytes)) }
                continue
            }
            guard current >= minFrequency else { break }
            merge(entry.pair)
        }
    }

    private mutating func merge(_ pair: UInt64) {
        let left = Int32(truncatingIfNeeded: pair >> 32)
        let right = Int32(truncatingIfNeeded: pair & 0xFFFF_FFFF)
        let bytes = tokenBytes[Int(left)] + tokenBytes[Int(right)]
        // Different merges can spell the same token ("a"+"bc", "ab"+"c"); they share its id.
        let merged: Int32
        if let existing = tokenIDs[bytes] {
            merged = existing
        } else {
            merged = Int32(tokenBytes.count)
            tokenBytes.append(bytes)
            tokenIDs[bytes] = merged
        }
        merges.append((left, right))

        var increased: Set<UInt64> = []
        let wordIndices = Set(pairWords.removeValue(forKey: pair) ?? []).sorted()
        for wordIndex in wordIndices {
            let count = wordCounts[Int(wordIndex)]
            var word = words[Int(wordIndex)]
            var position = 0
            while position < word.count - 1 {
                guard word[position] == left, word[position + 1] == right else {
                    position += 1
                    continue
                }
                if position > 0 {
                    adjust(pairKey(word[position - 1], left), by: -count)
                    let newPair = pairKey(word[position - 1], merged)
                    adjust(newPair, by: count)
                    increased.insert(newPair)
                    pairWords[newPair, default: []].append(wordIndex)
                }
                if position + 2 < word.count {
                    adjust(pairKey(right, word[position + 2]), by: -count)
                    let newPair = pairKey(merged, word[position + 2])
                    adjust(newPair, by: count)
                    increased.insert(newPair)
                    pairWords[newPair, default: []].append(wordIndex)
                }
                adjust(pair, by: -count)
                word.replaceSubrange(position...(position + 1), with: [merged])
                position += 1
            }
            words[Int(wordIndex)] = word
        }
        for newPair in increased {
            if let count = pairCounts[newPair] {
                queue.push(PairCandidate(count: count, pair: newPair, bytes: tokenBytes))
            }
        }
    }

    private mutating func adjust(_ pair: UInt64, by delta: Int) {
        let count = (pairCounts[pair] ?? 0) + delta
        pairCounts[pair] = count > 0 ? count : nil
    }
}

/// A pair waiting in the learner's queue: higher count first, then the pair whose tokens' bytes
/// sort first. The bytes are kept with the candidate so the order needs nothing else.
struct PairCandidate {
    var count: Int
    var pair: UInt64
    var left: [UInt8]
    var right: [UInt8]

    init(count: Int, pair: UInt64, bytes: [[UInt8]]) {
        self.count = count
        self.pair = pair
        left = bytes[Int(pair >> 32)]
        right = bytes[Int(pair & 0xFFFF_FFFF)]
    }

    static func precedes(_ a: PairCandidate, _ b: PairCandidate) -> Bool {
        if a.count != b.count { return a.count > b.count }
        if a.left != b.left { return a.left.lexicographicallyPrecedes(b.left) }
        return a.right.lexicographicallyPrecedes(b.right)
    }
}
