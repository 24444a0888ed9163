import Foundation
import Testing
import RLHFCore

/// Attention's forward and backward against a plain Double-precision reference, on the bench
/// head dims (8, 32, 64) and one that is not a multiple of 8, GQA and MHA, lengths that end in
/// a partial block. `probs` and the scratches start as NaN, as a reused buffer may hold
/// anything: a read of an entry the forward pass did not write would show.
@Suite struct AttentionTests {
    @Test(arguments: [(8, 4, 8, 61), (4, 4, 32, 50), (2, 1, 64, 24), (3, 3, 12, 29), (2, 2, 8, 1)])
    func matchesReference(heads: Int, kvHeads: Int, headDim: Int, t: Int) {
        let config = ModelConfig(dim: headDim * heads, nLayers: 1, nHeads: heads, nKVHeads: kvHeads, hiddenDim: 8,
                                 vocabSize: 8, maxSeqLen: 256)
        let attention = Attention(config: config)
        let b = 2, s3 = attention.qkvWidth, c = config.dim
        let qkv = FloatBuffer(randomArray(b * t * s3, seed: 21, scale: 1.5)), dout = FloatBuffer(randomArray(b * t * c, seed: 22))
        let out = FloatBuffer(count: b * t * c), dqkv = FloatBuffer(count: b * t * s3)
        let probs = nanBuffer(t * t), scratch = nanBuffer(t * t), rowStats = nanBuffer(b * heads * t * 2)
        let headScratch = nanBuffer(attention.headScratchCount(time: t))
        attention.forward(out: out.pointer, probs: probs.pointer, rowStats: rowStats.pointer, heads: headScratch.pointer,
                          qkv: qkv.pointer, batch: b, time: t)
        let lastHeadExps = probs.array, lastHeadStats = rowStats.array.suffix(2 * t).map { $0 }
        attention.backward(dqkv: dqkv.pointer, probs: probs.pointer, scratch: scratch.pointer, rowStats: rowStats.pointer,
                           heads: headScratch.pointer, dout: dout.pointer, qkv: qkv.pointer, batch: b, time: t)
        let (expectedOut, expectedDqkv) = reference(qkv: qkv.array, dout: dout.array, heads: heads, kvHeads: kvHeads,
                                                    headDim: headDim, batch: b, time: t)
        #expect(relativeError(out.array.map(Double.init), expectedOut) < 1e-5)
        #expect(relativeError(dqkv.array.map(Double.init), expectedDqkv) < 1e-5)
        // Backward recomputed the probabilities bit for bit from the forward's unnormalised
        // ones, the last head's, which both passes leave in `probs` (every head writes the same
        // entries, the rest stay NaN): each times its row's reciprocal sum.
        let expected = lastHeadExps.enumerated().map { $1 * lastHeadStats[2 * ($0 / t) + 1] }
        #expect(probs.array.map(\.bitPattern) == expected.map(\.bitPattern))

        // Scoring mode: no row statistics, the same output.
        let scored = FloatBuffer(count: b * t * c)
        attention.forward(out: scored.pointer, probs: scratch.pointer, rowStats: nil, heads: headScratch.pointer,
                          qkv: qkv.pointer, batch: b, time: t)
        #expect(relativeError(scored.array.map(Double.init), expectedOut) < 1e-5)
    }

    private func nanBuffer(_ count: Int) -> FloatBuffer {
        FloatBuffer([Float](repeating: .nan, count: count))
    }

    /// out and dqkv by the definitions, one (sequence, head) at a time.
    private func reference(qkv: [Float], dout: [Float], heads: Int, kvHeads: Int, headDim hs: Int,
                           batch b: Int, time t: Int) -> ([Double], [Double]) {
        let c = heads * hs, s3 = (heads + 2 * kvHeads) * hs, group = heads / kvHeads
        let scale = 1 / Double(hs).squareRoot()
        var out = [Double](repeating: 0, count: b * t * c), dqkv = [Double](repeating: 0, count: b * t * s3)
        for bi in 0..<b {
            for h in 0..<heads {
                let q = h * hs, k = c + (h / group) * hs, v = c + kvHeads * hs + (h / group) * hs
                func x(_ row: Int, _ offset: Int, _ d: Int) -> Double { Double(qkv[(bi * t + row) * s3 + offset + d]) }
                func dy(_ row: Int, _ d: Int) -> Double { Double(dout[(bi * t + row) * c + h * hs + d]) }
                for i in 0..<t {
                    let scores = (0...i).map { j in scale * (0..<hs).reduce(0) { $0 + x(i, q, $1) * x(j, k, $1) } }
                    let top = scores.max()!
                    let weights = scores.map { exp($0 - top) }
                    let total = weights.reduce(0, +)
                    let p = weights.map { $0 / total }
                    for d in 0..<hs { out[(bi * t + i) * c + h * hs + d] = (0...i).reduce(0) { $0 + p[$1] * x($1, v, d) } }
                    let dp = (0...i).map { j in (0..<hs).reduce(0) { $0 + dy(i, $1) * x(j, v, $1) } }
                    let rowDot = (0...i).reduce(0) { $0 + p[$1] * dp[$1] }
                    for j in 0...i {
                        let ds = p[j] * (dp[j] - rowDot)
                        for d in 0..<hs {
                            dqkv[(bi * t + i) * s3 + q + d] += scale * ds * x(j, k, d)
                            dqkv[(bi * t + j) * s3 + k + d] += scale * ds * x(i, q, d)
                            dqkv[(bi * t + j) * s3 + v + d] += p[j] * dy(i, d)
                        }
                    }
                }
            }
        }
        return (out, dqkv)
    }
}
