/// The linear layer for a handful of rows, with the weights as stored (decoding packs them
/// once per generation and uses `PanelMatmul` instead).
///
/// `sgemm` repacks the whole weight matrix on every call, which for a few rows costs more than
/// the product itself. This kernel reads the weights once, strictly in order (what the
/// hardware prefetcher streams best), and multiplies each pair of weight rows against blocks of
/// 4 input rows: 8 accumulators fed by 6 loads per step (2 weight + 4 input vectors), where one
/// weight row against 8 input rows needed 9 loads for 8 products, and the 8 dot products of a
/// block are reduced together by `horizontalSums`.
enum SkinnyMatmul {
    /// Rows at or below which `forward` beats `sgemm` (measured with `rlhf bench model`).
    static let maxRows = 32

    /// out[N, OC] = inp[N, C] @ weight[OC, C]^T  (+ out when `accumulate`)
    static func forward(
        out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        rows n: Int, inDim c: Int, outDim oc: Int, accumulate: Bool = false
    ) {
        let beta: Float = accumulate ? 1 : 0
        let vectorEnd = c - c % 8
        for o0 in stride(from: 0, to: oc, by: 2) {
            // An odd last output aliases its predecessor's row; its sums are discarded.
            let outputs = min(2, oc - o0)
            let w0 = weight + o0 * c, w1 = weight + (o0 + outputs - 1) * c
            for r0 in stride(from: 0, to: n, by: 4) {
                let count = min(4, n - r0)
                let x = inp + r0 * c
                // Rows past `count` alias the last real row; their sums are discarded.
                let x0 = x, x1 = x + min(1, count - 1) * c, x2 = x + min(2, count - 1) * c, x3 = x + min(3, count - 1) * c
                var a0 = SIMD8<Float>(), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0
                var k = 0
                while k < vectorEnd {
                    let u = load8(w0 + k), v = load8(w1 + k)
                    let y0 = load8(x0 + k), y1 = load8(x1 + k), y2 = load8(x2 + k), y3 = load8(x3 + k)
                    a0.addProduct(y0, u); a1.addProduct(y1, u); a2.addProduct(y2, u); a3.addProduct(y3, u)
                    b0.addProduct(y0, v); b1.addProduct(y1, v); b2.addProduct(y2, v); b3.addProduct(y3, v)
                    k += 8
                }
                // Lanes: [o0 x rows 0..<4, o1 x rows 0..<4].
                let sums = horizontalSums(a0, a1, a2, a3, b0, b1, b2, b3)
                for j in 0..<outputs {
                    let w = weight + (o0 + j) * c
                    for i in 0..<count {
                        var s = sums[4 * j + i]
                        let xr = x + i * c
                        for kk in vectorEnd..<c { s += xr[kk] * w[kk] }
                        let y = out + (r0 + i) * oc + o0 + j
                        y.pointee = beta * y.pointee + s
                    }
                }
            }
        }
    }
}
