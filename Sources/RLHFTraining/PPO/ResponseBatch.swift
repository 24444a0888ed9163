import RLHFCore

/// Prompt + response sequences as one right-padded batch, with the positions at which the
/// model's output predicts each response token: position promptLength - 1 + t predicts
/// response token t (its log-prob) and holds the critic's value of the state before it.
public struct ResponseBatch {
    public let batch: TokenBatch
    /// Next-token targets [B, T]: the response tokens at their predicting positions, 0 elsewhere.
    public let targets: [Int32]
    /// Per sequence, the flat index of the position predicting its first response token.
    public let firstPositions: [Int]
    /// Per sequence, its number of response tokens.
    public let responseLengths: [Int]

    /// The batch of `prompts[i] + responses[i]`, right-padded with `padToken` (to a multiple of
    /// 16 up to `limit`, the model's context).
    public init(prompts: [[Int32]], responses: [[Int32]], padToken: Int32, limit: Int) {
        precondition(prompts.count == responses.count, "one response per prompt")
        batch = .padded(zip(prompts, responses).map { $0 + $1 }, padToken: padToken, limit: limit)
        var targets = [Int32](repeating: 0, count: batch.tokens.count)
        var firstPositions: [Int] = []
        for (b, (prompt, response)) in zip(prompts, responses).enumerated() {
            precondition(!prompt.isEmpty, "a prompt holds at least BOS")
            let first = b * batch.seqLen + prompt.count - 1
            firstPositions.append(first)
            for (t, token) in response.enumerated() { targets[first + t] = token }
        }
        self.targets = targets
        self.firstPositions = firstPositions
        responseLengths = responses.map(\.count)
    }

    /// Splits a per-position array [B, T] into per-sequence response arrays.
    public func responseValues(_ values: [Float]) -> [[Float]] {
        zip(firstPositions, responseLengths).map { Array(values[$0..<($0 + $1)]) }
    }

    /// Scatters per-sequence response gradients into a per-position array [B, T].
    public func positionGradients(_ perSequence: [[Float]]) -> [Float] {
        var result = [Float](repeating: 0, count: batch.tokens.count)
        for (first, gradients) in zip(firstPositions, perSequence) {
            for (t, g) in gradients.enumerated() { result[first + t] = g }
        }
        return result
    }

    /// Per-response-token log-probs (and entropies) under `model` at `temperature`; pass
    /// `keepingActivationsForBackward` when a `backward` follows.
    static func logProbs(_ model: LlamaModel, prompts: [[Int32]], responses: [[Int32]], temperature: Float,
                         padToken: Int32, keepingActivationsForBackward: Bool = false)
        throws -> (logProbs: [[Float]], entropy: [[Float]], batch: ResponseBatch) {
        let input = ResponseBatch(prompts: prompts, responses: responses, padToken: padToken, limit: model.config.maxSeqLen)
        try model.forward(input.batch, keepingActivationsForBackward: keepingActivationsForBackward)
        let (logp, entropy) = try model.tokenLogProbs(targets: input.targets, temperature: temperature)
        return (input.responseValues(logp), input.responseValues(entropy), input)
    }

    /// Per-response-token values of a scalar-head `model`; pass `keepingActivationsForBackward`
    /// when a `backward` follows.
    static func values(_ model: LlamaModel, prompts: [[Int32]], responses: [[Int32]], padToken: Int32,
                       keepingActivationsForBackward: Bool = false) throws -> (values: [[Float]], batch: ResponseBatch) {
        let input = ResponseBatch(prompts: prompts, responses: responses, padToken: padToken, limit: model.config.maxSeqLen)
        let output = try model.forward(input.batch, keepingActivationsForBackward: keepingActivationsForBackward)
        return (input.responseValues(Array(output)), input)
    }
}
