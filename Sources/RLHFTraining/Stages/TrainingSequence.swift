import RLHFCore

/// One tokenized training sequence and which of its tokens are prediction targets: the whole
/// text when pretraining, the response tokens in SFT.
public struct TrainingSequence: Equatable, Sendable {
    public var tokens: [Int32]
    /// `lossMask[t]` says whether token t is trained on, i.e. predicted from tokens 0..<t.
    public var lossMask: [Bool]

    public init(tokens: [Int32], lossMask: [Bool]) {
        precondition(tokens.count == lossMask.count, "one mask value per token")
        self.tokens = tokens
        self.lossMask = lossMask
    }

    /// The number of tokens trained on; the first token is never a target.
    public var targetCount: Int {
        lossMask.dropFirst().reduce(0) { $0 + ($1 ? 1 : 0) }
    }
}

/// A batch ready for the model: right-padded tokens with next-token targets and a loss mask.
struct LanguageModelingBatch {
    var batch: TokenBatch
    /// Next-token targets [B, T] (0 where there is none).
    var targets: [Int32]
    /// 1 where the target is trained on [B, T].
    var mask: [Float]

    init(_ sequences: [TrainingSequence], padToken: Int32, limit: Int) {
        batch = .padded(sequences.map(\.tokens), padToken: padToken, limit: limit)
        let time = batch.seqLen
        var targets = [Int32](repeating: 0, count: sequences.count * time)
        var mask = [Float](repeating: 0, count: sequences.count * time)
        for (b, sequence) in sequences.enumerated() {
            let row = b * time
            for t in 0..<max(0, sequence.tokens.count - 1) {
                targets[row + t] = sequence.tokens[t + 1]
                if sequence.lossMask[t + 1] { mask[row + t] = 1 }
            }
        }
        self.targets = targets
        self.mask = mask
    }
}

extension TokenBatch {
    /// `sequences` right-padded to a length rounded up to a multiple of 16, so that the model's
    /// activations are reused across steps instead of reallocated for every new longest length.
    /// The rounding stops at `limit`, the model's context length.
    static func padded(_ sequences: [[Int32]], padToken: Int32, limit: Int) -> TokenBatch {
        let longest = sequences.map(\.count).max() ?? 1
        let time = max(longest, min((longest + 15) / 16 * 16, limit))
        var tokens = [Int32](repeating: padToken, count: sequences.count * time)
        for (b, sequence) in sequences.enumerated() {
            for (t, token) in sequence.enumerated() { tokens[b * time + t] = token }
        }
        return TokenBatch(tokens: tokens, batchSize: sequences.count, seqLen: time, lengths: sequences.map(\.count))
    }
}
