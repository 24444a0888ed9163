/// What training needs from the head output: token log-probs and entropy (LM head), the
/// masked cross-entropy built on them, and per-position or last-token values (scalar head),
/// each with its backward.
extension LlamaModel {
    /// Per-position log-probability of `targets` [B, T] and entropy of the distribution
    /// softmax(logits / temperature), from the last `forward`.
    public func tokenLogProbs(targets: [Int32], temperature: Float = 1) throws(ModelInputError) -> (logProbs: [Float], entropy: [Float]) {
        let a = try activationsForHead(.languageModel, count: targets.count)
        guard temperature > 0 else { throw .shapeMismatch("temperature must be positive, got \(temperature)") }
        for (i, token) in targets.enumerated() where token < 0 || Int(token) >= config.vocabSize {
            throw .tokenOutOfRange(token: token, index: i, vocabSize: config.vocabSize)
        }
        targets.withUnsafeBufferPointer { a.targets.update(from: $0.baseAddress!, count: a.rows) }
        TokenLogProbs.forward(logp: a.logp.pointer, entropy: a.entropy.pointer, lse: a.lse.pointer,
                              logits: a.output.pointer, targets: a.targets, scratch: a.vocabScratch.pointer,
                              rows: a.rows, vocab: config.vocabSize, temperature: temperature)
        a.logProbTemperature = temperature
        return (a.logp.array, a.entropy.array)
    }

    /// Adds the gradient of sum(dLogProbs * logp + dEntropy * entropy) to `gradients`,
    /// for the log-probs of the last `tokenLogProbs` call.
    public func backward(dLogProbs: [Float], dEntropy: [Float]? = nil) {
        guard let a = activations, let temperature = a.logProbTemperature else {
            preconditionFailure("backward(dLogProbs:) needs forward and tokenLogProbs first")
        }
        precondition(dLogProbs.count == a.rows && (dEntropy?.count ?? a.rows) == a.rows, "one gradient per position")
        let zeros = [Float](repeating: 0, count: dEntropy == nil ? a.rows : 0)
        dLogProbs.withUnsafeBufferPointer { dl in
            (dEntropy ?? zeros).withUnsafeBufferPointer { dh in
                TokenLogProbs.backward(dlogits: a.output.pointer, logits: a.output.pointer, targets: a.targets,
                                       lse: a.lse.pointer, entropy: a.entropy.pointer,
                                       dlogp: dl.baseAddress!, dentropy: dh.baseAddress!,
                                       rows: a.rows, vocab: config.vocabSize, temperature: temperature)
            }
        }
        a.logProbTemperature = nil
        backward()
    }

    /// Mean cross-entropy of next-token `targets` [B, T] over positions where `mask` is non-zero
    /// (weighted by the mask), from the last `forward`.
    public func crossEntropy(targets: [Int32], mask: [Float]) throws(ModelInputError) -> Float {
        guard mask.count == targets.count else {
            throw .shapeMismatch("\(mask.count) mask values for \(targets.count) targets")
        }
        let (logp, _) = try tokenLogProbs(targets: targets, temperature: 1)
        var total = 0.0, weight = 0.0
        for i in 0..<mask.count where mask[i] != 0 {
            total -= Double(mask[i]) * Double(logp[i])
            weight += Double(mask[i])
        }
        return weight > 0 ? Float(total / weight) : 0
    }

    /// Adds the gradient of `crossEntropy(targets:mask:)` to `gradients`.
    public func backwardCrossEntropy(mask: [Float]) {
        let weight = mask.reduce(0.0) { $0 + Double($1) }
        let scale = weight > 0 ? Float(-1 / weight) : 0
        backward(dLogProbs: mask.map { $0 * scale })
    }

    /// Adds the gradient of sum(dValues * values) for the scalar head's values [B, T] from
    /// the last `forward` to `gradients`.
    public func backward(dValues: [Float]) {
        guard let a = activations, head == .scalar else {
            preconditionFailure("backward(dValues:) needs a scalar-head model and a forward pass")
        }
        precondition(dValues.count == a.rows, "one gradient per position")
        dValues.withUnsafeBufferPointer { a.output.pointer.update(from: $0.baseAddress!, count: a.rows) }
        backward()
    }

    private func activationsForHead(_ expected: ModelHead, count: Int) throws(ModelInputError) -> Activations {
        guard head == expected else { throw .shapeMismatch("this objective needs a \(expected) head, the model has \(head)") }
        guard let a = activations else { throw .shapeMismatch("run forward before computing an objective") }
        guard count == a.rows else { throw .shapeMismatch("\(count) values for a batch of \(a.rows) positions") }
        return a
    }
}

extension TokenBatch {
    /// The value at each row's last real token, e.g. a reward model's score: [B] from values [B, T].
    public func lastTokenValues(_ values: UnsafeMutableBufferPointer<Float>) -> [Float] {
        (0..<batchSize).map { values[$0 * seqLen + max(lengths[$0] - 1, 0)] }
    }

    /// dValues [B, T] that routes dRewards [B] to each row's last real token.
    public func scatterToLastTokens(_ dRewards: [Float]) -> [Float] {
        var d = [Float](repeating: 0, count: batchSize * seqLen)
        for b in 0..<batchSize { d[b * seqLen + max(lengths[b] - 1, 0)] = dRewards[b] }
        return d
    }
}
