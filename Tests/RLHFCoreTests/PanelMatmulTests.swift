import Testing
import RLHFCore

/// The packed decoding kernel against a Double-precision reference: every row count it serves
/// (whole and partial tiles of 6 rows), inner sizes that are not multiples of 8 and output
/// counts that leave a partial last panel (narrower than 8, or 8 plus a few).
@Suite struct PanelMatmulTests {
    @Test(arguments: [(13, 5), (37, 7), (64, 33), (19, 6), (8, 1), (20, 29)])
    func forwardMatchesReference(inDim c: Int, outDim oc: Int) {
        let w = randomArray(oc * c, seed: 2)
        let packed = w.withUnsafeBufferPointer { PanelMatrix(weight: $0.baseAddress!, outDim: oc, inDim: c) }
        for n in 1...PanelMatmul.maxRows {
            let x = randomArray(n * c, seed: UInt64(n)), start = randomArray(n * oc, seed: 3)
            for accumulate in [false, true] {
                let out = FloatBuffer(start)
                x.withUnsafeBufferPointer {
                    PanelMatmul.forward(out: out.pointer, inp: $0.baseAddress!, weight: packed, rows: n,
                                        accumulate: accumulate)
                }
                for r in 0..<n {
                    for o in 0..<oc {
                        var expected = accumulate ? Double(start[r * oc + o]) : 0
                        for k in 0..<c { expected += Double(x[r * c + k]) * Double(w[o * c + k]) }
                        #expect(abs(Double(out[r * oc + o]) - expected) < 1e-4, "rows \(n): row \(r), output \(o)")
                    }
                }
            }
        }
    }
}
