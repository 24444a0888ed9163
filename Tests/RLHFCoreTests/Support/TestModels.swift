import Foundation
import RLHFCore

/// Small models and batches shared by the tests.
enum TestModels {
    /// A tiny GQA model: C=16, L=2, NH=4, NKV=2, F=24, V=29.
    static let tinyConfig = ModelConfig(dim: 16, nLayers: 2, nHeads: 4, nKVHeads: 2, hiddenDim: 24,
                                        vocabSize: 29, maxSeqLen: 32, ropeTheta: 10_000, normEps: 1e-5,
                                        tieEmbeddings: false)

    /// A model with random weights (std `scale`; norm gains 1 + noise) from `seed`.
    static func random(_ config: ModelConfig = tinyConfig, head: ModelHead = .languageModel,
                       seed: UInt64 = 7, scale: Float = 0.3) -> LlamaModel {
        var rng = RandomGenerator(seed: seed)
        let layout = ParameterLayout(config: config, head: head)
        let weights = FloatBuffer(count: layout.count)
        for view in layout.views {
            for i in view.offset..<(view.offset + view.count) {
                weights[i] = view.shape.count == 1 ? 1 + 0.1 * rng.nextGaussian() : scale * rng.nextGaussian()
            }
        }
        return try! LlamaModel(config: config, head: head, parameters: weights)
    }

    /// Two right-padded rows of lengths 7 and 4 over vocabulary `vocab`.
    static func batch(vocab: Int = 29, seed: UInt64 = 3) -> TokenBatch {
        var rng = RandomGenerator(seed: seed)
        let rows = [7, 4].map { length in (0..<length).map { _ in Int32(rng.next() % UInt64(vocab)) } }
        return TokenBatch(sequences: rows)
    }
}

/// The log-probs a forward pass at `temperature` gives for each sequence's response tokens.
func scoredLogProbs(_ model: LlamaModel, _ sequences: [GeneratedSequence], temperature: Float) throws -> [[Float]] {
    let batch = TokenBatch(sequences: sequences.map { $0.prompt + $0.tokens })
    let (targets, _) = batch.nextTokenTargets()
    try model.forward(batch)
    let (logp, _) = try model.tokenLogProbs(targets: targets, temperature: temperature)
    return sequences.enumerated().map { b, s in
        (0..<s.tokens.count).map { logp[b * batch.seqLen + s.prompt.count - 1 + $0] }
    }
}

/// Central finite differences of `f` with respect to x[indices], each perturbed by `eps`.
func numericalGradient(of f: () -> Double, at x: UnsafeMutablePointer<Float>, indices: [Int], eps: Float) -> [Double] {
    indices.map { i in
        let saved = x[i]
        x[i] = saved + eps
        let up = f()
        x[i] = saved - eps
        let down = f()
        x[i] = saved
        return (up - down) / (2 * Double(eps))
    }
}

/// ||a - b|| / max(||b||, tiny): the relative error by vector norm.
func relativeError(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count)
    var diff = 0.0, norm = 0.0
    for i in a.indices {
        diff += (a[i] - b[i]) * (a[i] - b[i])
        norm += b[i] * b[i]
    }
    return (diff / max(norm, 1e-30)).squareRoot()
}

/// Sum of w[i] * x[i] in Double: a scalar probe of an op's output.
func probe(_ x: UnsafePointer<Float>, _ w: [Float]) -> Double {
    var s = 0.0
    for i in w.indices { s += Double(w[i]) * Double(x[i]) }
    return s
}

func randomArray(_ count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
    var rng = RandomGenerator(seed: seed)
    return (0..<count).map { _ in scale * rng.nextGaussian() }
}

/// The repository root, found from this file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// `../shared/data` beside the repository, where the real model and data sets live.
let sharedData = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/data")
