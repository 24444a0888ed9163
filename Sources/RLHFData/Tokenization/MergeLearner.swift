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
    private var queue = PairQueue()

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
            queue.push(PairQueue.Entry(count: count, pair: pair), bytes: tokenBytes)
        }
    }

    /// Learns merges until there are `tokenCount` tokens or no pair occurs `minFrequency` times.
    mutating func learn(untilTokenCount tokenCount: Int, minFrequency: Int) {
        while tokenBytes.count < tokenCount, let entry = queue.pop(bytes: tokenBytes) {
            let current = pairCounts[entry.pair] ?? 0
            guard entry.count == current else {
                // The pair's count fell since it was queued (rises are queued as they happen).
                if current > 0 { queue.push(PairQueue.Entry(count: current, pair: entry.pair), bytes: tokenBytes) }
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
                queue.push(PairQueue.Entry(count: count, pair: newPair), bytes: tokenBytes)
            }
        }
    }

    private mutating func adjust(_ pair: UInt64, by delta: Int) {
        let count = (pairCounts[pair] ?? 0) + delta
        pairCounts[pair] = count > 0 ? count : nil
    }
}

/// A binary max-heap of (count, pair): higher count first, then the pair whose tokens' bytes
/// sort first.
struct PairQueue {
    struct Entry {
        var count: Int
        var pair: UInt64
    }

    private var heap: [Entry] = []

    private static func precedes(_ a: Entry, _ b: Entry, bytes: [[UInt8]]) -> Bool {
        if a.count != b.count { return a.count > b.count }
        let (aLeft, aRight) = (bytes[Int(a.pair >> 32)], bytes[Int(a.pair & 0xFFFF_FFFF)])
        let (bLeft, bRight) = (bytes[Int(b.pair >> 32)], bytes[Int(b.pair & 0xFFFF_FFFF)])
        if aLeft != bLeft { return aLeft.lexicographicallyPrecedes(bLeft) }
        return aRight.lexicographicallyPrecedes(bRight)
    }

    mutating func push(_ entry: Entry, bytes: [[UInt8]]) {
        heap.append(entry)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.precedes(heap[child], heap[parent], bytes: bytes) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop(bytes: [[UInt8]]) -> Entry? {
        guard let top = heap.first else { return nil }
        let last = heap.removeLast()
        guard !heap.isEmpty else { return top }
        heap[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1
            guard left < heap.count else { break }
            var best = left
            if left + 1 < heap.count, Self.precedes(heap[left + 1], heap[left], bytes: bytes) {
                best = left + 1
            }
            guard Self.precedes(heap[best], heap[parent], bytes: bytes) else { break }
            heap.swapAt(best, parent)
            parent = best
        }
        return top
    }
}
