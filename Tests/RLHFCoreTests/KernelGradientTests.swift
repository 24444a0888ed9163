import Foundation
import Testing
import RLHFCore

/// Every kernel's backward against central finite differences of a random linear probe
/// L = sum(w * forward(x)). Float32 with eps 1e-2 leaves ~1e-3 relative error; we demand 1e-2.
/// RMSNorm's and RoPE's forward also against their formulas, in Double.
@Suite struct KernelGradientTests {
    let tolerance = 1e-2

    @Test func matmul() {
        let n = 3, c = 5, oc = 4
        let x = FloatBuffer(randomArray(n * c, seed: 1)), w = FloatBuffer(randomArray(oc * c, seed: 2))
        let out = FloatBuffer(count: n * oc), probeW = randomArray(n * oc, seed: 3)
        func loss() -> Double {
            Matmul.forward(out: out.pointer, inp: x.pointer, weight: w.pointer, rows: n, inDim: c, outDim: oc)
            return probe(out.pointer, probeW)
        }
        let dx = FloatBuffer(count: n * c), dw = FloatBuffer(count: oc * c), dout = FloatBuffer(probeW)
        Matmul.backward(dinp: dx.pointer, dweight: dw.pointer, dout: dout.pointer, inp: x.pointer, weight: w.pointer,
                        rows: n, inDim: c, outDim: oc, accumulateInput: false)
        let numX = numericalGradient(of: loss, at: x.pointer, indices: Array(0..<(n * c)), eps: 1e-2)
        let numW = numericalGradient(of: loss, at: w.pointer, indices: Array(0..<(oc * c)), eps: 1e-2)
        #expect(relativeError(dx.array.map(Double.init), numX) < tolerance)
        #expect(relativeError(dw.array.map(Double.init), numW) < tolerance)
    }

    @Test func embedding() {
        let v = 6, c = 4
        let table = FloatBuffer(randomArray(v * c, seed: 4))
        let tokens: [Int32] = [1, 3, 1, 5]
        let out = FloatBuffer(count: tokens.count * c), probeW = randomArray(tokens.count * c, seed: 5)
        func loss() -> Double {
            tokens.withUnsafeBufferPointer {
                Embedding.forward(out: out.pointer, tokens: $0.baseAddress!, table: table.pointer, rows: tokens.count, dim: c)
            }
            return probe(out.pointer, probeW)
        }
        let dtable = FloatBuffer(count: v * c), dout = FloatBuffer(probeW)
        tokens.withUnsafeBufferPointer {
            Embedding.backward(dtable: dtable.pointer, dout: dout.pointer, tokens: $0.baseAddress!, rows: tokens.count, dim: c)
        }
        let num = numericalGradient(of: loss, at: table.pointer, indices: Array(0..<(v * c)), eps: 1e-2)
        #expect(relativeError(dtable.array.map(Double.init), num) < tolerance)
    }

    /// c = 40: two 16-lane vectors and a masked tail.
    @Test(arguments: [8, 40])
    func rmsNorm(c: Int) {
        let n = 3
        let x = FloatBuffer(randomArray(n * c, seed: 6)), w = FloatBuffer(randomArray(c, seed: 7).map { 1 + 0.2 * $0 })
        let out = FloatBuffer(count: n * c), rstd = FloatBuffer(count: n), probeW = randomArray(n * c, seed: 8)
        func loss() -> Double {
            RMSNorm.forward(out: out.pointer, rstd: rstd.pointer, inp: x.pointer, weight: w.pointer, rows: n, dim: c, eps: 1e-5)
            return probe(out.pointer, probeW)
        }
        _ = loss()
        for i in 0..<n {
            let row = (0..<c).map { Double(x[i * c + $0]) }
            let r = 1 / (row.reduce(0) { $0 + $1 * $1 } / Double(c) + 1e-5).squareRoot()
            #expect(abs(Double(rstd[i]) - r) < 1e-5 * r)
            for j in 0..<c { #expect(abs(Double(out[i * c + j]) - row[j] * r * Double(w[j])) < 1e-5) }
        }
        let dx = FloatBuffer(count: n * c), dw = FloatBuffer(count: c), dout = FloatBuffer(probeW)
        RMSNorm.backward(dinp: dx.pointer, dweight: dw.pointer, dout: dout.pointer, inp: x.pointer, weight: w.pointer,
                         rstd: rstd.pointer, rows: n, dim: c)
        let numX = numericalGradient(of: loss, at: x.pointer, indices: Array(0..<(n * c)), eps: 1e-2)
        let numW = numericalGradient(of: loss, at: w.pointer, indices: Array(0..<c), eps: 1e-2)
        #expect(relativeError(dx.array.map(Double.init), numX) < tolerance)
        #expect(relativeError(dw.array.map(Double.init), numW) < tolerance)
    }

    /// hs = 40: half a head is a 16-lane vector and a masked tail.
    @Test(arguments: [8, 40])
    func rope(hs: Int) {
        let n = 4, heads = 3, stride = heads * hs + 2
        let rope = RoPE(headDim: hs, maxPositions: 16, theta: 10_000)
        let positions: [Int32] = [0, 3, 7, 15]
        let x = FloatBuffer(randomArray(n * stride, seed: 9)), work = FloatBuffer(count: n * stride)
        let probeW = randomArray(n * stride, seed: 10)
        func loss() -> Double {
            work.copy(from: x)
            positions.withUnsafeBufferPointer {
                rope.forward(work.pointer, rows: n, heads: heads, stride: stride, positions: $0.baseAddress!)
            }
            return probe(work.pointer, probeW)
        }
        _ = loss()
        // Element i of a head pairs with i + HS/2, rotated by position * 10000^(-2i/HS); the
        // padding past the heads stays as it was.
        for row in 0..<n {
            for h in 0..<heads {
                for i in 0..<(hs / 2) {
                    let angle = Double(positions[row]) * pow(10_000, -Double(2 * i) / Double(hs))
                    let a = Double(x[row * stride + h * hs + i]), b = Double(x[row * stride + h * hs + i + hs / 2])
                    #expect(abs(Double(work[row * stride + h * hs + i]) - (a * cos(angle) - b * sin(angle))) < 1e-4)
                    #expect(abs(Double(work[row * stride + h * hs + i + hs / 2]) - (b * cos(angle) + a * sin(angle))) < 1e-4)
                }
            }
            for j in (heads * hs)..<stride { #expect(work[row * stride + j] == x[row * stride + j]) }
        }
        let dx = FloatBuffer(probeW)
        positions.withUnsafeBufferPointer {
            rope.backward(dx.pointer, rows: n, heads: heads, stride: stride, positions: $0.baseAddress!)
        }
        let num = numericalGradient(of: loss, at: x.pointer, indices: Array(0..<(n * stride)), eps: 1e-2)
        #expect(relativeError(dx.array.map(Double.init), num) < tolerance)
    }

    /// GQA and MHA with head dims 4, 8 and 12 (the kernel's partial strips); T = 150 and 53
    /// span several query blocks, the last one partial and not a multiple of 8.
    @Test(arguments: [(4, 4, 5, 4), (4, 2, 5, 4), (4, 1, 5, 4), (2, 1, 150, 4), (4, 2, 53, 8), (2, 2, 150, 8),
                      (3, 1, 53, 12), (2, 2, 30, 12)])
    func attention(heads: Int, kvHeads: Int, t: Int, headDim: Int) {
        let config = ModelConfig(dim: headDim * heads, nLayers: 1, nHeads: heads, nKVHeads: kvHeads, hiddenDim: 8,
                                 vocabSize: 8, maxSeqLen: 256)
        let attention = Attention(config: config)
        let b = 2, s3 = attention.qkvWidth, c = config.dim
        let qkv = FloatBuffer(randomArray(b * t * s3, seed: 11))
        let out = FloatBuffer(count: b * t * c), probs = FloatBuffer(count: t * t)
        let rowStats = FloatBuffer(count: b * heads * t * 2)
        let headScratch = FloatBuffer(count: attention.headScratchCount(time: t))
        let probeW = randomArray(b * t * c, seed: 12)
        func loss() -> Double {
            attention.forward(out: out.pointer, probs: probs.pointer, rowStats: rowStats.pointer, heads: headScratch.pointer,
                              qkv: qkv.pointer, batch: b, time: t)
            return probe(out.pointer, probeW)
        }
        _ = loss()
        // Causality: the first position of each row attends only to itself.
        #expect(probs[0] == 1 && probs[1] == 0)
        let dqkv = FloatBuffer(count: b * t * s3), scratch = FloatBuffer(count: t * t), dout = FloatBuffer(probeW)
        attention.backward(dqkv: dqkv.pointer, probs: probs.pointer, scratch: scratch.pointer, rowStats: rowStats.pointer,
                           heads: headScratch.pointer, dout: dout.pointer, qkv: qkv.pointer, batch: b, time: t)
        var rng = RandomGenerator(seed: 5)
        let indices = t <= 8 ? Array(0..<(b * t * s3)) : (0..<300).map { _ in Int(rng.next() % UInt64(b * t * s3)) }
        let num = numericalGradient(of: loss, at: qkv.pointer, indices: indices, eps: 1e-2)
        #expect(relativeError(indices.map { Double(dqkv[$0]) }, num) < tolerance)
    }

    @Test func swiglu() {
        let n = 3, f = 6
        let gu = FloatBuffer(randomArray(n * 2 * f, seed: 13, scale: 2)), out = FloatBuffer(count: n * f)
        let probeW = randomArray(n * f, seed: 14)
        func loss() -> Double {
            SwiGLU.forward(out: out.pointer, gateUp: gu.pointer, rows: n, hidden: f)
            return probe(out.pointer, probeW)
        }
        let dgu = FloatBuffer(count: n * 2 * f), dout = FloatBuffer(probeW)
        SwiGLU.backward(dgateUp: dgu.pointer, dout: dout.pointer, gateUp: gu.pointer, rows: n, hidden: f)
        let num = numericalGradient(of: loss, at: gu.pointer, indices: Array(0..<(n * 2 * f)), eps: 1e-2)
        #expect(relativeError(dgu.array.map(Double.init), num) < tolerance)
    }

    @Test(arguments: [Float(1), 0.7])
    func tokenLogProbs(temperature: Float) {
        let n = 4, v = 21  // not a multiple of 8: exercises the scalar tails
        let logits = FloatBuffer(randomArray(n * v, seed: 15, scale: 2))
        let targets: [Int32] = [0, 20, 7, 7]
        let wl = randomArray(n, seed: 16), wh = randomArray(n, seed: 17)
        let logp = FloatBuffer(count: n), entropy = FloatBuffer(count: n), lse = FloatBuffer(count: n)
        let scratch = FloatBuffer(count: v)
        func loss() -> Double {
            targets.withUnsafeBufferPointer {
                TokenLogProbs.forward(logp: logp.pointer, entropy: entropy.pointer, lse: lse.pointer, logits: logits.pointer,
                                      targets: $0.baseAddress!, scratch: scratch.pointer, rows: n, vocab: v, temperature: temperature)
            }
            return probe(logp.pointer, wl) + probe(entropy.pointer, wh)
        }
        _ = loss()
        // Entropy of a distribution over 21 outcomes lies in [0, log 21].
        #expect(entropy.array.allSatisfy { $0 >= 0 && $0 <= logf(21) + 1e-5 })
        let dlogits = FloatBuffer(count: n * v)
        targets.withUnsafeBufferPointer {
            TokenLogProbs.backward(dlogits: dlogits.pointer, logits: logits.pointer, targets: $0.baseAddress!, lse: lse.pointer,
                                   entropy: entropy.pointer, dlogp: wl, dentropy: wh, rows: n, vocab: v, temperature: temperature)
        }
        let num = numericalGradient(of: loss, at: logits.pointer, indices: Array(0..<(n * v)), eps: 1e-2)
        #expect(relativeError(dlogits.array.map(Double.init), num) < tolerance)
    }
}
