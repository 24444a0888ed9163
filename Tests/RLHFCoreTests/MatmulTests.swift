import Testing
import RLHFCore

/// Both paths of the linear layer (the skinny kernel for few rows, sgemm for many) against a
/// Double-precision reference, including tails that are not multiples of the vector width.
@Suite struct MatmulTests {
    @Test(arguments: [(1, 13, 5), (5, 21, 7), (9, 64, 33), (32, 19, 4), (40, 37, 11)])
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
}
