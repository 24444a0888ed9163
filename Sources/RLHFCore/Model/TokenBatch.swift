/// A rectangular batch of token sequences, right-padded: row b holds `lengths[b]` real tokens
/// followed by padding. Causal attention means real positions never see the padding after them.
public struct TokenBatch: Sendable {
    /// Token ids [B, T], row-major.
    public var tokens: [Int32]
    public var batchSize: Int
    public var seqLen: Int
    /// Real (unpadded) length of each row.
    public var lengths: [Int]

    /// A batch of `sequences`, padded on the right with `padToken` to the longest one.
    public init(sequences: [[Int32]], padToken: Int32 = 0) {
        batchSize = sequences.count
        seqLen = sequences.map(\.count).max() ?? 0
        lengths = sequences.map(\.count)
        tokens = []
        tokens.reserveCapacity(batchSize * seqLen)
        for sequence in sequences {
            tokens += sequence
            tokens += [Int32](repeating: padToken, count: seqLen - sequence.count)
        }
    }

    /// A batch from a flat [B, T] array in which every row is real for its whole length.
    public init(tokens: [Int32], batchSize: Int, seqLen: Int, lengths: [Int]? = nil) {
        precondition(tokens.count == batchSize * seqLen, "tokens must hold batchSize * seqLen ids")
        self.tokens = tokens
        self.batchSize = batchSize
        self.seqLen = seqLen
        self.lengths = lengths ?? [Int](repeating: seqLen, count: batchSize)
    }

    /// Next-token targets [B, T] (0 where there is none) and a mask that is 1 where the target
    /// is a real token at index >= `from[b]` (e.g. the first response token in SFT).
    public func nextTokenTargets(countingFrom from: [Int]? = nil) -> (targets: [Int32], mask: [Float]) {
        var targets = [Int32](repeating: 0, count: tokens.count)
        var mask = [Float](repeating: 0, count: tokens.count)
        for b in 0..<batchSize {
            let start = from?[b] ?? 1
            for t in 0..<max(0, lengths[b] - 1) {
                targets[b * seqLen + t] = tokens[b * seqLen + t + 1]
                if t + 1 >= start { mask[b * seqLen + t] = 1 }
            }
        }
        return (targets, mask)
    }
}

/// Input the model cannot take.
public enum ModelInputError: Error, Equatable, CustomStringConvertible {
    case tokenOutOfRange(token: Int32, index: Int, vocabSize: Int)
    case sequenceTooLong(length: Int, maxSeqLen: Int)
    case shapeMismatch(String)

    public var description: String {
        switch self {
        case let .tokenOutOfRange(token, index, vocab):
            "token id \(token) at position \(index) is outside the vocabulary [0, \(vocab))"
        case let .sequenceTooLong(length, maxSeqLen):
            "sequence of \(length) tokens is longer than the model's max_seq_len \(maxSeqLen)"
        case let .shapeMismatch(message):
            "input shape mismatch: \(message)"
        }
    }
}
