/// A finished sequence: the response tokens after the prompt, with per-token log-probs.
public struct GeneratedSequence: Equatable, Sendable {
    public var prompt: [Int32]
    /// Sampled tokens, including the EOS token when one ended the sequence.
    public var tokens: [Int32]
    /// log pi(token | prefix) under softmax(logits / temperature): what a forward pass over
    /// prompt + tokens at the same temperature gives (and what PPO uses as the old policy).
    public var logProbs: [Float]
    /// Log-prob under the distribution actually sampled from (after top-k / top-p); equal to
    /// `logProbs` when nothing is cut; 0 for greedy decoding.
    public var samplingLogProbs: [Float]
    /// True when the sequence ended with the EOS token rather than a length limit.
    public var endedWithEOS: Bool
}

/// What generation cannot do with the given input.
public enum GenerationError: Error, Equatable, CustomStringConvertible {
    case emptyPrompt(index: Int)
    case promptTooLong(index: Int, length: Int, maxSeqLen: Int)
    case tokenOutOfRange(index: Int, token: Int32, vocabSize: Int)
    case invalidParameter(String)
    case notALanguageModel

    public var description: String {
        switch self {
        case let .emptyPrompt(index): "prompt \(index) is empty: it needs at least one token (e.g. BOS)"
        case let .promptTooLong(index, length, maxSeqLen):
            "prompt \(index) has \(length) tokens; the model's max_seq_len is \(maxSeqLen), leaving no room to generate"
        case let .tokenOutOfRange(index, token, vocab):
            "prompt \(index) contains token id \(token), outside the vocabulary [0, \(vocab))"
        case let .invalidParameter(message): "invalid generation parameter: \(message)"
        case .notALanguageModel: "generation needs a language-model head, this model has a scalar head"
        }
    }
}

/// Batched sampling with a KV cache: all prompts are prefilled in one pass, then every step
/// feeds one new token per unfinished sequence.
public struct Generator {
    public let model: LlamaModel
    public var sampling: SamplingParameters
    public var maxNewTokens: Int
    /// Token that ends a sequence (nil: only length limits stop it).
    public var eosToken: Int32?

    public init(model: LlamaModel, sampling: SamplingParameters = SamplingParameters(), maxNewTokens: Int, eosToken: Int32? = 2) {
        self.model = model
        self.sampling = sampling
        self.maxNewTokens = maxNewTokens
        self.eosToken = eosToken
    }

    /// Samples a response for each prompt. Sequences stop at EOS, after `maxNewTokens`, or at
    /// the model's `maxSeqLen`. The same `rng` state gives the same tokens.
    public func generate(prompts: [[Int32]], rng: inout RandomGenerator) throws(GenerationError) -> [GeneratedSequence] {
        try sampling.validate()
        guard model.head == .languageModel else { throw .notALanguageModel }
        guard maxNewTokens >= 0 else { throw .invalidParameter("max_new_tokens must be >= 0, got \(maxNewTokens)") }
        let config = model.config
        for (i, prompt) in prompts.enumerated() {
            if prompt.isEmpty { throw .emptyPrompt(index: i) }
            if prompt.count >= config.maxSeqLen {
                throw .promptTooLong(index: i, length: prompt.count, maxSeqLen: config.maxSeqLen)
            }
            if let bad = prompt.first(where: { $0 < 0 || Int($0) >= config.vocabSize }) {
                throw .tokenOutOfRange(index: i, token: bad, vocabSize: config.vocabSize)
            }
        }
        let s = prompts.count
        var results = prompts.map {
            GeneratedSequence(prompt: $0, tokens: [], logProbs: [], samplingLogProbs: [], endedWithEOS: false)
        }
        guard s > 0, maxNewTokens > 0 else { return results }

        let longest = prompts.map(\.count).max() ?? 0
        let maxLength = min(config.maxSeqLen, longest + maxNewTokens)
        let cache = KVCache(config: config, sequences: s, maxLength: maxLength)
        let prefillRows = prompts.reduce(0) { $0 + $1.count }
        let ws = DecodeWorkspace(config: config, capacity: max(prefillRows, s), sequences: s,
                                 maxLength: maxLength, headWidth: config.vocabSize)
        let packed = DecodeWeights(model: model)
        var sampler = Sampler(parameters: sampling, vocabSize: config.vocabSize)
        var outputRows = [Int](repeating: 0, count: s)
        var active = Array(0..<s)

        var r = 0
        for (seq, prompt) in prompts.enumerated() {
            for (pos, token) in prompt.enumerated() {
                ws.tokens[r] = token
                ws.sequence[r] = Int32(seq)
                ws.positions[r] = Int32(pos)
                r += 1
            }
            outputRows[seq] = r - 1
        }
        var rows = r
        var outputs = s
        while true {
            outputRows.withUnsafeBufferPointer {
                model.decode(rows: rows, outputRows: UnsafeBufferPointer(rebasing: $0[0..<outputs]), cache: cache, packed: packed,
                             workspace: ws)
            }
            // Draw for active sequences in order; row j of the logits belongs to active[j].
            var stillActive: [Int] = []
            stillActive.reserveCapacity(active.count)
            for (j, seq) in active.enumerated() {
                let draw = sampler.draw(logits: ws.logits.pointer + j * config.vocabSize, rng: &rng)
                results[seq].tokens.append(draw.token)
                results[seq].logProbs.append(draw.logProb)
                results[seq].samplingLogProbs.append(draw.samplingLogProb)
                let length = prompts[seq].count + results[seq].tokens.count
                if draw.token == eosToken {
                    results[seq].endedWithEOS = true
                } else if results[seq].tokens.count < maxNewTokens && length < maxLength {
                    stillActive.append(seq)
                }
            }
            active = stillActive
            if active.isEmpty { break }
            for (j, seq) in active.enumerated() {
                ws.tokens[j] = results[seq].tokens.last!
                ws.sequence[j] = Int32(seq)
                ws.positions[j] = Int32(prompts[seq].count + results[seq].tokens.count - 1)
                outputRows[j] = j
            }
            rows = active.count
            outputs = active.count
        }
        return results
    }
}
