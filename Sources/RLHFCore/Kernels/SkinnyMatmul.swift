/// The linear layer for a handful of rows (decoding: one token per sequence).
///
/// `sgemm` repacks the whole weight matrix on every call, which for a few rows costs more than
/// the product itself. This kernel reads the weights once, strictly in order (what the
/// hardware prefetcher streams best), and multiplies each weight row against up to 8 input
/// rows held in L1.
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
        for o in 0..<oc {
            let w = weight + o * c
            var r0 = 0
            while r0 < n {
                let count = min(8, n - r0)
                let x = inp + r0 * c
                // Rows past `count` alias the last real row; their sums are discarded.
                let x0 = x, x1 = x + min(1, count - 1) * c, x2 = x + min(2, count - 1) * c, x3 = x + min(3, count - 1) * c
                let x4 = x + min(4, count - 1) * c, x5 = x + min(5, count - 1) * c, x6 = x + min(6, count - 1) * c
                let x7 = x + min(7, count - 1) * c
                var a0 = SIMD8<Float>(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0
                var k = 0
                while k < vectorEnd {
                    let b = load8(w + k)
                    a0.addProduct(load8(x0 + k), b); a1.addProduct(load8(x1 + k), b)
                    a2.addProduct(load8(x2 + k), b); a3.addProduct(load8(x3 + k), b)
                    a4.addProduct(load8(x4 + k), b); a5.addProduct(load8(x5 + k), b)
                    a6.addProduct(load8(x6 + k), b); a7.addProduct(load8(x7 + k), b)
                    k += 8
                }
                let sums = SIMD8<Float>(a0.sum(), a1.sum(), a2.sum(), a3.sum(), a4.sum(), a5.sum(), a6.sum(), a7.sum())
                for j in 0..<count {
                    var s = sums[j]
                    let xr = x + j * c
                    for kk in vectorEnd..<c { s += xr[kk] * w[kk] }
                    let y = out + (r0 + j) * oc + o
                    y.pointee = beta * y.pointee + s
                }
                r0 += 8
            }
        }
    }
}
