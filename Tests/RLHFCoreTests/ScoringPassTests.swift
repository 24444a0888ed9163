import Testing
import RLHFCore

/// A forward pass without backward (chunks of sequences, one reused layer slot, one attention
/// scratch) must compute exactly what the training pass computes.
@Suite struct ScoringPassTests {
    /// tinyConfig has 2 layers; 3 layers checks an odd number of blocks.
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

    /// A batch of 12 sequences of 100 positions is scored in chunks of about 512 rows: 3 chunks
    /// of 4 sequences, each exactly what a training pass over those 4 sequences computes.
    @Test(arguments: [ModelHead.languageModel, .scalar])
    func scoringGoesChunkByChunk(head: ModelHead) throws {
        var config = Self.threeLayers
        config.maxSeqLen = 100
        let model = TestModels.random(config, head: head)
        var rng = RandomGenerator(seed: 5)
        let sequences = (0..<12).map { _ in (0..<100).map { _ in Int32(rng.next() % 29) } }
        let scoring = Array(try model.forward(TokenBatch(sequences: sequences), keepingActivationsForBackward: false))
        let width = head == .languageModel ? 29 : 1
        #expect(scoring.count == 1200 * width)
        for chunk in 0..<3 {
            let training = Array(try model.forward(TokenBatch(sequences: Array(sequences[(4 * chunk)..<(4 * chunk + 4)]))))
            #expect(Array(scoring[(400 * width * chunk)..<(400 * width * (chunk + 1))]) == training, "chunk \(chunk)")
        }
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
