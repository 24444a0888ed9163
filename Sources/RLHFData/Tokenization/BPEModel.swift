import RLHFCore

/// The `model` of a BPE `tokenizer.json`: the vocabulary, the ranked merges, and what to do
/// with characters the vocabulary lacks. It turns one pre-tokenized word into token ids exactly
/// as the Hugging Face library's `BPE` model does.
struct BPEModel: Sendable {
    /// One merge rule: the two tokens whose concatenation becomes a new token.
    struct Merge: Equatable, Sendable {
        var left: String
        var right: String
    }

    /// A vocabulary or merge list that cannot form a model; `field` is relative to `model`.
    struct InvalidModel: Error {
        var field: String
        var detail: String
    }

    /// Token strings (in the model's alphabet) and their ids, in id order.
    let vocabulary: [(token: String, id: Int32)]
    /// Merge rules, highest priority (rank 0) first.
    let merges: [Merge]
    /// The token standing for characters that are neither in the vocabulary nor byte-fallback.
    let unknownToken: String?
    /// Whether consecutive unknown characters become one unknown token.
    let fusesUnknown: Bool
    /// Whether characters outside the vocabulary become their `<0xXX>` byte tokens.
    let usesByteFallback: Bool
    /// Whether a word that is itself a token skips merging.
    let ignoresMerges: Bool

    /// Token UTF-8 to id. Keyed by bytes because `String` equality is canonical equivalence,
    /// which would conflate distinct tokens such as "é" and "e\u{301}".
    private let ids: [[UInt8]: Int32]
    /// Ids of single-scalar tokens, by scalar value: a word's starting symbols.
    private let scalarIDs: [UInt32: Int32]
    /// `<0xXX>` token ids by byte value, where the vocabulary has them.
    private let byteTokenIDs: [Int32?]
    private let unknownID: Int32?
    /// Rank and result of merging a pair of ids, keyed by `pairKey(left, right)`.
    private let mergeTable: [UInt64: MergeTarget]

    private struct MergeTarget {
        var rank: Int32
        var id: Int32
    }

    init(
        vocabulary: [(token: String, id: Int32)], merges: [Merge], unknownToken: String?,
        fusesUnknown: Bool, usesByteFallback: Bool, ignoresMerges: Bool
    ) throws(InvalidModel) {
        var ids: [[UInt8]: Int32] = [:]
        var scalarIDs: [UInt32: Int32] = [:]
        for (token, id) in vocabulary {
            ids[Array(token.utf8)] = id
            let scalars = token.unicodeScalars
            if scalars.count == 1, let scalar = scalars.first {
                scalarIDs[scalar.value] = id
            }
        }
        var unknownID: Int32?
        if let unknownToken {
            guard let id = ids[Array(unknownToken.utf8)] else {
                throw InvalidModel(field: "unk_token", detail: "'\(unknownToken)' is not in model.vocab")
            }
            unknownID = id
        }
        var mergeTable: [UInt64: MergeTarget] = [:]
        mergeTable.reserveCapacity(merges.count)
        for (rank, merge) in merges.enumerated() {
            for part in [merge.left, merge.right] where ids[Array(part.utf8)] == nil {
                throw InvalidModel(field: "merges[\(rank)]", detail: "token '\(part)' is not in model.vocab")
            }
            guard let left = ids[Array(merge.left.utf8)], let right = ids[Array(merge.right.utf8)],
                  let result = ids[Array((merge.left + merge.right).utf8)]
            else {
                throw InvalidModel(field: "merges[\(rank)]", detail: "the merged token '\(merge.left + merge.right)' is not in model.vocab")
            }
            // A repeated pair keeps its last rank, as the Hugging Face library's map does.
            mergeTable[pairKey(left, right)] = MergeTarget(rank: Int32(rank), id: result)
        }
        self.vocabulary = vocabulary.sorted { $0.id < $1.id }
        self.merges = merges
        self.unknownToken = unknownToken
        self.fusesUnknown = fusesUnknown
        self.usesByteFallback = usesByteFallback
        self.ignoresMerges = ignoresMerges
        self.ids = ids
        self.scalarIDs = scalarIDs
        self.byteTokenIDs = (0...255).map { ids[Array(byteTokenName(UInt8($0)).utf8)] }
        self.unknownID = unknownID
        self.mergeTable = mergeTable
    }

    /// The id of the token spelled `utf8`, if any.
    func id(of utf8: [UInt8]) -> Int32? {
        ids[utf8]
    }

    /// The token ids of one word, given as its scalars in the model's alphabet.
    func tokenize(_ word: String.UnicodeScalarView) -> [Int32] {
        if ignoresMerges, let id = ids[Array(String(word).utf8)] {
            return [id]
        }
        var symbols = initialSymbols(word)
        mergeAll(&symbols)
        return symbols
    }

    /// One symbol per scalar; unknown scalars become byte tokens or the unknown token, or are
    /// dropped when the model has neither (all as the Hugging Face library does).
    private func initialSymbols(_ word: String.UnicodeScalarView) -> [Int32] {
        var symbols: [Int32] = []
        symbols.reserveCapacity(word.count)
        var pendingUnknown: Int32?
        for scalar in word {
            if let id = scalarIDs[scalar.value] {
                if let unknown = pendingUnknown {
                    symbols.append(unknown)
                    pendingUnknown = nil
                }
                symbols.append(id)
                continue
            }
            if usesByteFallback {
                let byteIDs = String(scalar).utf8.compactMap { byteTokenIDs[Int($0)] }
                if byteIDs.count == String(scalar).utf8.count {
                    // The library leaves a pending unknown token pending here, so it may land
                    // after these bytes; matched for identical ids.
                    symbols += byteIDs
                    continue
                }
            }
            guard let unknownID else { continue }
            if pendingUnknown != nil, !fusesUnknown {
                symbols.append(unknownID)
            }
            pendingUnknown = unknownID
        }
        if let unknown = pendingUnknown {
            symbols.append(unknown)
        }
        return symbols
    }

    /// Applies merges lowest rank first (leftmost first among equal ranks) until none applies,
    /// with a priority queue of candidate pairs over a linked list of symbols, so a word of n
    /// symbols costs O(n log n).
    private func mergeAll(_ symbols: inout [Int32]) {
        guard symbols.count > 1 else { return }
        let count = symbols.count
        var next = Array(1...count)
        var previous = Array(-1..<(count - 1))
        var removed = [Bool](repeating: false, count: count)
        var queue = BinaryHeap<RankedMerge>(by: RankedMerge.precedes)
        for position in 0..<(count - 1) {
            if let target = mergeTable[pairKey(symbols[position], symbols[position + 1])] {
                queue.push(RankedMerge(rank: target.rank, position: position, id: target.id))
            }
        }
        while let top = queue.pop() {
            let position = top.position
            guard !removed[position], next[position] < count else { continue }
            let right = next[position]
            // Entries go stale when a neighbour merged since they were queued.
            guard let target = mergeTable[pairKey(symbols[position], symbols[right])], target.id == top.id else { continue }
            symbols[position] = top.id
            removed[right] = true
            next[position] = next[right]
            if next[right] < count {
                previous[next[right]] = position
            }
            if previous[position] >= 0, let target = mergeTable[pairKey(symbols[previous[position]], top.id)] {
                queue.push(RankedMerge(rank: target.rank, position: previous[position], id: target.id))
            }
            if next[position] < count, let target = mergeTable[pairKey(top.id, symbols[next[position]])] {
                queue.push(RankedMerge(rank: target.rank, position: position, id: target.id))
            }
        }
        symbols = symbols.indices.filter { !removed[$0] }.map { symbols[$0] }
    }
}

extension BPEModel: Equatable {
    /// Models are equal when their files would be: same vocabulary, merges and options.
    static func == (lhs: BPEModel, rhs: BPEModel) -> Bool {
        lhs.vocabulary.elementsEqual(rhs.vocabulary) { $0.token.utf8.elementsEqual($1.token.utf8) && $0.id == $1.id }
            && lhs.merges.elementsEqual(rhs.merges) { $0.left.utf8.elementsEqual($1.left.utf8) && $0.right.utf8.elementsEqual($1.right.utf8) }
            && lhs.unknownToken == rhs.unknownToken && lhs.fusesUnknown == rhs.fusesUnknown
            && lhs.usesByteFallback == rhs.usesByteFallback && lhs.ignoresMerges == rhs.ignoresMerges
    }
}

/// The name of the byte-fallback token for `byte`, e.g. `<0x0A>`.
func byteTokenName(_ byte: UInt8) -> String {
    let digits = String(byte, radix: 16, uppercase: true)
    return "<0x" + (digits.count == 1 ? "0" : "") + digits + ">"
}

/// Two token ids as one dictionary key.
@inline(__always)
func pairKey(_ left: Int32, _ right: Int32) -> UInt64 {
    UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
}

/// A possible merge in `BPEModel`'s queue: the lowest rank first, then the leftmost.
struct RankedMerge {
    var rank: Int32
    var position: Int
    var id: Int32

    static func precedes(_ a: RankedMerge, _ b: RankedMerge) -> Bool {
        a.rank != b.rank ? a.rank < b.rank : a.position < b.position
    }
}
