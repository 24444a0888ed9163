import Testing
import RLHFCore

/// Generation with the KV cache must agree with a full forward pass over the same tokens.
@Suite struct GenerationTests {
    let prompts: [[Int32]] = [[1, 5, 9], [1, 2, 3, 4, 5], [7]]

    @Test(arguments: [
        SamplingParameters(temperature: 1),
        SamplingParameters(temperature: 0.7),
        SamplingParameters(temperature: 0.9, topK: 5),
        SamplingParameters(temperature: 1.2, topP: 0.8),
    ])
    func recordedLogProbsMatchScoring(sampling: SamplingParameters) throws {
        let model = TestModels.random()
        let generator = Generator(model: model, sampling: sampling, maxNewTokens: 12, eosToken: nil)
        var rng = RandomGenerator(seed: 42)
        let sequences = try generator.generate(prompts: prompts, rng: &rng)
        #expect(sequences.map(\.tokens.count) == [12, 12, 12])
        let scored = try scoredLogProbs(model, sequences, temperature: sampling.temperature)
        for (s, expected) in zip(sequences, scored) {
            for (a, b) in zip(s.logProbs, expected) { #expect(abs(a - b) <= 1e-5, "generated \(a) vs scored \(b)") }
            for (full, sampled) in zip(s.logProbs, s.samplingLogProbs) {
                if sampling.topK == 0 && sampling.topP == 1 { #expect(full == sampled) } else { #expect(sampled >= full - 1e-6) }
            }
        }
    }

    /// Head dimensions 16, 40 and 64 with more than 8 cached positions: the vectorised paths of
    /// the cached attention (8 positions at a time, then a tail) and of the skinny matmul. Weights
    /// have std 1/sqrt(dim), as trained models do; a float64 forward pass checks both paths, so a
    /// disagreement is a bug and not float32 rounding.
    @Test(arguments: [32, 80, 128]) func vectorWidthHeadsMatchScoring(dim: Int) throws {
        let config = ModelConfig(dim: dim, nLayers: 2, nHeads: 2, nKVHeads: 1, hiddenDim: 40, vocabSize: 37,
                                 maxSeqLen: 64, ropeTheta: 10_000, normEps: 1e-5, tieEmbeddings: false)
        let model = TestModels.random(config, scale: 1 / Float(dim).squareRoot())
        let generator = Generator(model: model, maxNewTokens: 21, eosToken: nil)
        var rng = RandomGenerator(seed: 5)
        let sequences = try generator.generate(prompts: [[1, 5, 9, 2, 7, 3, 8, 4, 6, 10, 11], [3], [2, 4, 6, 8, 10]], rng: &rng)
        let scored = try scoredLogProbs(model, sequences, temperature: 1)
        let reference = ReferenceLlama(model)
        for (s, expected) in zip(sequences, scored) {
            #expect(s.tokens.count == 21)
            let exact = reference.logSoftmax(s.prompt + s.tokens)
            for (i, (a, b)) in zip(s.logProbs, expected).enumerated() {
                #expect(abs(a - b) <= 1e-5, "generated \(a) vs scored \(b)")
                let truth = exact[s.prompt.count - 1 + i][Int(s.tokens[i])]
                #expect(abs(Double(a) - truth) <= 1e-5, "generated \(a) vs float64 \(truth)")
                #expect(abs(Double(b) - truth) <= 1e-5, "scored \(b) vs float64 \(truth)")
            }
        }
    }

    @Test func sameSeedSameTokens() throws {
        let model = TestModels.random()
        let generator = Generator(model: model, maxNewTokens: 10, eosToken: nil)
        var a = RandomGenerator(seed: 1), b = RandomGenerator(seed: 1), c = RandomGenerator(seed: 2)
        let first = try generator.generate(prompts: prompts, rng: &a)
        let second = try generator.generate(prompts: prompts, rng: &b)
        let other = try generator.generate(prompts: prompts, rng: &c)
        #expect(first == second)
        #expect(first.map(\.tokens) != other.map(\.tokens))
    }

    @Test func greedyFollowsTheArgmaxOfAFullForwardPass() throws {
        let model = TestModels.random()
        let generator = Generator(model: model, sampling: .greedy, maxNewTokens: 6, eosToken: nil)
        var rng = RandomGenerator(seed: 0)
        let sequence = try generator.generate(prompts: [[1, 4]], rng: &rng)[0]
        let tokens = sequence.prompt + sequence.tokens
        let logits = try model.forward(TokenBatch(sequences: [tokens]))
        let v = model.config.vocabSize
        for i in 0..<sequence.tokens.count {
            let row = Array(logits[((1 + i) * v)..<((2 + i) * v)])
            #expect(Int32(row.indices.max { row[$0] < row[$1] }!) == sequence.tokens[i])
        }
    }

    @Test func stopsAtEOSAndAtMaxSeqLen() throws {
        let model = TestModels.random()
        var rng = RandomGenerator(seed: 3)
        // Make EOS one of the tokens this model samples often: the most likely greedy token.
        let probe = try Generator(model: model, sampling: .greedy, maxNewTokens: 1, eosToken: nil).generate(prompts: prompts, rng: &rng)
        let eos = probe[0].tokens[0]
        let sequences = try Generator(model: model, maxNewTokens: 40, eosToken: eos).generate(prompts: prompts, rng: &rng)
        for s in sequences {
            if s.endedWithEOS { #expect(s.tokens.last == eos && !s.tokens.dropLast().contains(eos)) }
            #expect(s.prompt.count + s.tokens.count <= model.config.maxSeqLen)
            #expect(s.logProbs.count == s.tokens.count)
        }
        #expect(sequences.contains { $0.endedWithEOS })
        let long = try Generator(model: model, maxNewTokens: 100, eosToken: nil).generate(prompts: [[1]], rng: &rng)[0]
        #expect(long.tokens.count == model.config.maxSeqLen - 1)
    }

    @Test func refusesBadPrompts() {
        let model = TestModels.random()
        let generator = Generator(model: model, maxNewTokens: 4)
        var rng = RandomGenerator(seed: 0)
        #expect(throws: GenerationError.emptyPrompt(index: 1)) { try generator.generate(prompts: [[1], []], rng: &rng) }
        #expect(throws: GenerationError.tokenOutOfRange(index: 0, token: 29, vocabSize: 29)) {
            try generator.generate(prompts: [[1, 29]], rng: &rng)
        }
        let long = [Int32](repeating: 1, count: 32)
        #expect(throws: GenerationError.promptTooLong(index: 0, length: 32, maxSeqLen: 32)) {
            try generator.generate(prompts: [long], rng: &rng)
        }
        var bad = generator
        bad.sampling.topP = 0
        #expect(throws: GenerationError.self) { try bad.generate(prompts: [[1]], rng: &rng) }
    }

    @Test func forwardRefusesBadBatches() {
        let model = TestModels.random()
        #expect(throws: ModelInputError.tokenOutOfRange(token: -1, index: 2, vocabSize: 29)) {
            try model.forward(TokenBatch(sequences: [[1, 2, -1]]))
        }
        #expect(throws: ModelInputError.sequenceTooLong(length: 33, maxSeqLen: 32)) {
            try model.forward(TokenBatch(sequences: [[Int32](repeating: 1, count: 33)]))
        }
    }
}
