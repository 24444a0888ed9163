import Foundation
import Testing
import RLHFCore

/// Parity with Hugging Face `transformers` on fixtures made by
/// `scripts/fixtures/make_llama_fixtures.py` (reference values computed in float64).
/// Tolerances: loss 1e-5 relative, logits and values 1e-4 absolute, every parameter gradient
/// 1e-3 relative by tensor norm.
@Suite struct ParityTests {
    struct Fixture {
        let model: LlamaModel
        let expected: SafetensorsFile
        let batch: TokenBatch
        let targets: [Int32]
        let mask: [Float]

        init(_ name: String) throws {
            let directory = repositoryRoot.appendingPathComponent("Tests/RLHFCoreTests/Fixtures/\(name)")
            let (config, head, parameters) = try loadHFModel(directory: directory)
            model = try LlamaModel(config: config, head: head, parameters: parameters)
            expected = try SafetensorsFile(contentsOf: directory.appendingPathComponent("expected.safetensors"))
            let ids = try Self.tensor(expected, "input_ids")
            let attention = try Self.tensor(expected, "attention_mask")
            let (b, t) = (ids.shape[0], ids.shape[1])
            let lengths = (0..<b).map { row in Int(attention.data[(row * t)..<((row + 1) * t)].reduce(0, +)) }
            batch = TokenBatch(tokens: ids.data.map { Int32($0) }, batchSize: b, seqLen: t, lengths: lengths)
            targets = try Self.tensor(expected, "targets").data.map { Int32($0) }
            mask = try Self.tensor(expected, "target_mask").data
        }

        static func tensor(_ file: SafetensorsFile, _ name: String) throws -> SafetensorsTensor {
            guard let tensor = file.tensor(named: name) else { throw FixtureError.missing(name) }
            return tensor
        }

        func tensor(_ name: String) throws -> SafetensorsTensor { try Self.tensor(expected, name) }

        /// Largest |ours - theirs| over real (unpadded) positions of a [B, T, width] tensor.
        func maxDifferenceAtRealPositions(_ ours: UnsafeMutableBufferPointer<Float>, _ theirs: [Float], width: Int) -> Float {
            var worst: Float = 0
            for b in 0..<batch.batchSize {
                for t in 0..<batch.lengths[b] {
                    let base = (b * batch.seqLen + t) * width
                    for j in 0..<width { worst = max(worst, abs(ours[base + j] - theirs[base + j])) }
                }
            }
            return worst
        }

        /// Each parameter gradient against `<prefix><name>` in the fixture.
        func expectGradients(prefix: String) throws {
            for view in model.layout.views {
                let theirs = try tensor(prefix + view.name)
                #expect(theirs.shape == view.shape, "\(view.name)")
                let ours = (0..<view.count).map { Double(model.gradients[view.offset + $0]) }
                let error = relativeError(ours, theirs.data.map(Double.init))
                #expect(error < 1e-3, "gradient of \(view.name): relative error \(error)")
            }
        }
    }

    enum FixtureError: Error { case missing(String) }

    @Test(arguments: ["gqa_untied", "tied"])
    func languageModel(name: String) throws {
        let f = try Fixture(name)
        let v = f.model.config.vocabSize
        let logits = try f.model.forward(f.batch)
        #expect(f.maxDifferenceAtRealPositions(logits, try f.tensor("logits").data, width: v) < 1e-4)

        let loss = try f.model.crossEntropy(targets: f.targets, mask: f.mask)
        let expectedLoss = try f.tensor("loss").data[0]
        #expect(abs(loss - expectedLoss) / expectedLoss < 1e-5, "loss \(loss) vs \(expectedLoss)")
        f.model.zeroGradients()
        f.model.backwardCrossEntropy(mask: f.mask)
        try f.expectGradients(prefix: "grad.")

        // The PPO path: J = sum mask * (w1 * logp + w2 * entropy) at temperature 0.7.
        try f.model.forward(f.batch)
        let (logp, entropy) = try f.model.tokenLogProbs(targets: f.targets, temperature: 0.7)
        let expectedLogp = try f.tensor("logprobs_t0.7").data, expectedEntropy = try f.tensor("entropy_t0.7").data
        for i in f.mask.indices where f.mask[i] != 0 {
            #expect(abs(logp[i] - expectedLogp[i]) < 1e-4)
            #expect(abs(entropy[i] - expectedEntropy[i]) < 1e-4)
        }
        let w1 = try f.tensor("pg_w1").data, w2 = try f.tensor("pg_w2").data
        f.model.zeroGradients()
        f.model.backward(dLogProbs: zip(w1, f.mask).map(*), dEntropy: zip(w2, f.mask).map(*))
        try f.expectGradients(prefix: "grad_pg.")
    }

    @Test func scalarHead() throws {
        let f = try Fixture("scalar")
        let values = try f.model.forward(f.batch)
        #expect(f.maxDifferenceAtRealPositions(values, try f.tensor("values").data, width: 1) < 1e-4)
        let rewards = f.batch.lastTokenValues(values)
        for (ours, theirs) in zip(rewards, try f.tensor("rewards").data) { #expect(abs(ours - theirs) < 1e-4) }
        f.model.zeroGradients()
        f.model.backward(dValues: f.batch.scatterToLastTokens(try f.tensor("reward_weights").data))
        try f.expectGradients(prefix: "grad.")
    }
}
