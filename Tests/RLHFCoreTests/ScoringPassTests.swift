import Testing
import RLHFCore

/// A forward pass without backward (one reused layer slot, one attention scratch) must compute
/// exactly what the training pass computes.
@Suite struct ScoringPassTests {
    /// tinyConfig has 2 layers; 3 layers checks the odd case of the alternating residual slices.
    static let threeLayers = ModelConfig(dim: 16, nLayers: 3, nHeads: 4, nKVHeads: 2, hiddenDim: 24, vocabSize: 29,
                                         maxSeqLen: 32, ropeTheta: 10_000, normEps: 1e-5, tieEmbeddings: false)

    @Test(arguments: [TestModels.tinyConfig, threeLayers], [ModelHead.languageModel, .scalar])
    func sameOutputsAsTheTrainingPass(config: ModelConfig, head: ModelHead) throws {
        let model = TestModels.random(config, head: head)
        let batch = TestModels.batch()
        let training = Array(try model.forward(batch))
        let scoring = Array(try model.forward(batch, keepingActivationsForBackward: false))
        #expect(scoring == training)
        // And back: the training buffers are intact after a scoring pass.
        #expect(Array(try model.forward(batch)) == training)
    }

    @Test func sameTokenLogProbs() throws {
        let model = TestModels.random()
        let batch = TestModels.batch()
        let (targets, _) = batch.nextTokenTargets()
        try model.forward(batch)
        let training = try model.tokenLogProbs(targets: targets, temperature: 0.8)
        try model.forward(batch, keepingActivationsForBackward: false)
        let scoring = try model.tokenLogProbs(targets: targets, temperature: 0.8)
        #expect(scoring.logProbs == training.logProbs)
        #expect(scoring.entropy == training.entropy)
    }
}
