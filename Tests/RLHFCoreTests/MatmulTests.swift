import Testing
import RLHFCore

/// Every path of the linear layer against a Double-precision reference: the skinny kernel for
/// few rows, and for many rows `SmallGemm` (on AVX-512, one BLAS thread: narrow layers, C <= 128)
/// or sgemm (wide layers, inner dims that are not a multiple of 16), including tails that are
/// not multiples of the vector width or of SmallGemm's tiles.
@Suite struct MatmulTests {
    /// One BLAS thread, as every rank under mpirun runs: with more, every product stays with sgemm.
    init() { setBLASThreads(1) }

    @Test(arguments: [(1, 13, 5), (5, 21, 7), (9, 64, 33), (32, 19, 4), (40, 37, 11), (100, 64, 150), (75, 128, 70),
                      (60, 200, 80), (50, 300, 40), (40, 200, 150)])
    func forwardMatchesReference(rows n: Int, inDim c: Int, outDim oc: Int) {
        let x = randomArray(n * c, seed: 1), w = randomArray(oc * c, seed: 2), start = randomArray(n * oc, seed: 3)
        for accumulate in [false, true] {
            let out = FloatBuffer(start)
            Matmul.forward(out: out.pointer, inp: x, weight: w, rows: n, inDim: c, outDim: oc, accumulate: accumulate)
            for r in 0..<n {
                for o in 0..<oc {
                    var expected = accumulate ? Double(start[r * oc + o]) : 0
                    for k in 0..<c { expected += Double(x[r * c + k]) * Double(w[o * c + k]) }
                    #expect(abs(Double(out[r * oc + o]) - expected) < 1e-4, "row \(r), output \(o)")
                }
            }
        }
    }

    @Test(arguments: [(40, 37, 11), (100, 64, 150), (75, 128, 70), (90, 48, 344), (60, 200, 80)])
    func backwardMatchesReference(rows n: Int, inDim c: Int, outDim oc: Int) {
        let x = randomArray(n * c, seed: 4), w = randomArray(oc * c, seed: 5), dout = randomArray(n * oc, seed: 6)
        let dinpStart = randomArray(n * c, seed: 7), dweightStart = randomArray(oc * c, seed: 8)
        for accumulateInput in [false, true] {
            let dinp = FloatBuffer(dinpStart), dweight = FloatBuffer(dweightStart)
            Matmul.backward(dinp: dinp.pointer, dweight: dweight.pointer, dout: dout, inp: x, weight: w,
                            rows: n, inDim: c, outDim: oc, accumulateInput: accumulateInput)
            for r in 0..<n {
                for k in 0..<c {
                    var expected = accumulateInput ? Double(dinpStart[r * c + k]) : 0
                    for o in 0..<oc { expected += Double(dout[r * oc + o]) * Double(w[o * c + k]) }
                    #expect(abs(Double(dinp[r * c + k]) - expected) < 1e-4, "dinp row \(r), input \(k)")
                }
            }
            // The weight gradient always accumulates.
            for o in 0..<oc {
                for k in 0..<c {
                    var expected = Double(dweightStart[o * c + k])
                    for r in 0..<n { expected += Double(dout[r * oc + o]) * Double(x[r * c + k]) }
                    #expect(abs(Double(dweight[o * c + k]) - expected) < 1e-3, "dweight output \(o), input \(k)")
                }
            }
        }
    }
}
