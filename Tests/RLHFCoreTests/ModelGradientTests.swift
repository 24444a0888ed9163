import Testing
import RLHFCore

/// The whole model's backward against central finite differences, for each objective later
/// stages use: masked cross-entropy, the PPO-style log-prob + entropy path, and the scalar head.
@Suite struct ModelGradientTests {
    /// A few indices from every tensor, so each parameter kind is checked.
    func sampleIndices(_ layout: ParameterLayout, perView: Int = 4, seed: UInt64 = 1) -> [Int] {
        var rng = RandomGenerator(seed: seed)
        return layout.views.flatMap { view in (0..<perView).map { _ in view.offset + Int(rng.next() % UInt64(view.count)) } }
    }

    func check(_ model: LlamaModel, loss: () -> Double, backward: () -> Void) {
        model.zeroGradients()
        _ = loss()
        backward()
        let indices = sampleIndices(model.layout)
        let analytic = indices.map { Double(model.gradients[$0]) }
        let numeric = numericalGradient(of: loss, at: model.parameters.pointer, indices: indices, eps: 1e-2)
        let error = relativeError(analytic, numeric)
        #expect(error < 2e-2, "relative gradient error \(error)")
        #expect(analytic.contains { $0 != 0 })
    }

    @Test(arguments: [false, true])
    func crossEntropy(tied: Bool) throws {
        var config = TestModels.tinyConfig
        config.tieEmbeddings = tied
        let model = TestModels.random(config)
        let batch = TestModels.batch()
        let (targets, mask) = batch.nextTokenTargets(countingFrom: [2, 1])
        func loss() -> Double {
            try! model.forward(batch)
            return Double(try! model.crossEntropy(targets: targets, mask: mask))
        }
        check(model, loss: loss) { model.backwardCrossEntropy(mask: mask) }
    }

    /// 8 sequences of 30 tokens (240 rows: feed-forward blocks of 96 and 144 rows) and a hidden
    /// dim that is a multiple of 16: on AVX-512 the feed-forward runs by blocks of rows, the down
    /// projection's input gradient and SwiGLU's backward included (`LlamaModel.feedForwardBlocks`).
    @Test func crossEntropyByFeedForwardBlocks() throws {
        let config = ModelConfig(dim: 16, nLayers: 2, nHeads: 4, nKVHeads: 2, hiddenDim: 32, vocabSize: 29, maxSeqLen: 32,
                                 ropeTheta: 10_000, normEps: 1e-5, tieEmbeddings: false)
        #expect(LlamaModel.feedForwardBlocks(rows: 240) == 2)
        let model = TestModels.random(config)
        var rng = RandomGenerator(seed: 9)
        let batch = TokenBatch(sequences: (0..<8).map { _ in (0..<30).map { _ in Int32(rng.next() % 29) } })
        let (targets, mask) = batch.nextTokenTargets()
        func loss() -> Double {
            try! model.forward(batch)
            return Double(try! model.crossEntropy(targets: targets, mask: mask))
        }
        check(model, loss: loss) { model.backwardCrossEntropy(mask: mask) }
    }

    @Test func logProbsAndEntropy() throws {
        let model = TestModels.random()
        let batch = TestModels.batch()
        let (targets, mask) = batch.nextTokenTargets()
        let wl = randomArray(targets.count, seed: 21).enumerated().map { $0.element * mask[$0.offset] }
        let wh = randomArray(targets.count, seed: 22).enumerated().map { $0.element * mask[$0.offset] }
        func loss() -> Double {
            try! model.forward(batch)
            let (logp, entropy) = try! model.tokenLogProbs(targets: targets, temperature: 0.7)
            return zip(wl, logp).reduce(0.0) { $0 + Double($1.0 * $1.1) } + zip(wh, entropy).reduce(0.0) { $0 + Double($1.0 * $1.1) }
        }
        check(model, loss: loss) { model.backward(dLogProbs: wl, dEntropy: wh) }
    }

    @Test func scalarHeadAtLastToken() throws {
        let model = TestModels.random(head: .scalar)
        let batch = TestModels.batch()
        let weights: [Float] = [0.8, -1.3]
        func loss() -> Double {
            let values = try! model.forward(batch)
            return zip(weights, batch.lastTokenValues(values)).reduce(0.0) { $0 + Double($1.0 * $1.1) }
        }
        check(model, loss: loss) { model.backward(dValues: batch.scatterToLastTokens(weights)) }
    }
}
