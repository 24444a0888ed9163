/// A weight matrix [OC, C] repacked for `PanelMatmul`: panels of `PanelMatmul.panelWidth`
/// consecutive output rows, each panel stored k-major ([C][width]), so the kernel reads all the
/// weights as one sequential stream. The last panel repeats the last row where OC runs out.
public struct PanelMatrix {
    public let inDim: Int
    public let outDim: Int
    let panels: FloatBuffer

    /// Packs `weight` [outDim, inDim] (row-major, as `Matmul.forward` takes it).
    public init(weight: UnsafePointer<Float>, outDim oc: Int, inDim c: Int) {
        let width = PanelMatmul.panelWidth
        inDim = c
        outDim = oc
        let count = (oc + width - 1) / width
        panels = FloatBuffer(count: count * width * c)
        for panel in 0..<count {
            let destination = panels.pointer + panel * width * c
            for j in 0..<width {
                let row = weight + min(panel * width + j, oc - 1) * c
                for k in 0..<c { destination[k * width + j] = row[k] }
            }
        }
    }
}

/// The linear layer for decoding (up to `maxRows` rows) with weights packed in a `PanelMatrix`.
///
/// With few rows the product is bound by reading the weights; `SkinnyMatmul` reads two weight
/// rows at a time and reduces dot products horizontally. Here the input is transposed into a
/// small scratch ([C][rows, padded to 8], L1-resident) and each weight is broadcast against 8 or
/// 16 rows at once: a panel of 6 outputs x 16 rows keeps 12 accumulators (2 input loads and 6
/// broadcasts per 12 FMAs), needs no horizontal sums, and the weights arrive as one stream the
/// prefetcher follows. Each panel is reused from L1 across row chunks.
public enum PanelMatmul {
    /// Output rows per panel: 6 x 2 accumulators + 2 inputs + 1 broadcast fill the 16 AVX registers.
    public static let panelWidth = 6
    /// Rows at or below which decoding uses this kernel; larger batches (prefill) use `sgemm`.
    public static let maxRows = SkinnyMatmul.maxRows

    /// Floats of scratch `forward` needs for `rows` rows of `inDim` inputs.
    public static func scratchCount(rows n: Int, inDim c: Int) -> Int {
        paddedRows(n) * c
    }

    /// out[N, OC] = inp[N, C] @ weight^T  (+ out when `accumulate`); `scratch` holds at least
    /// `scratchCount(rows:inDim:)` floats.
    public static func forward(
        out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, weight: PanelMatrix,
        rows n: Int, scratch: UnsafeMutablePointer<Float>, accumulate: Bool = false
    ) {
        let c = weight.inDim, oc = weight.outDim, width = panelWidth
        let padded = paddedRows(n)
        // Transposed input, padding rows zero (never garbage: NaNs or denormals would cost time).
        for k in 0..<c {
            let column = scratch + k * padded
            for r in 0..<n { column[r] = inp[r * c + k] }
            for r in n..<padded { column[r] = 0 }
        }
        let beta: Float = accumulate ? 1 : 0
        for o0 in stride(from: 0, to: oc, by: width) {
            let panel = UnsafePointer(weight.panels.pointer + o0 / width * width * c)
            let outputs = min(width, oc - o0)
            var r0 = 0
            while r0 < n {
                let wide = padded - r0 >= 16
                let (low, high) = wide
                    ? sixteenRows(panel, scratch + r0, stride: padded, inDim: c)
                    : (eightRows(panel, scratch + r0, stride: padded, inDim: c), Columns())
                let rows = min(wide ? 16 : 8, n - r0)
                for j in 0..<outputs {
                    for i in 0..<rows {
                        let sum = i < 8 ? low[j][i] : high[j][i - 8]
                        let y = out + (r0 + i) * oc + o0 + j
                        y.pointee = beta * y.pointee + sum
                    }
                }
                r0 += wide ? 16 : 8
            }
        }
    }

    static func paddedRows(_ n: Int) -> Int { (n + 7) / 8 * 8 }

    /// Six output columns of 8 rows each: element [j][i] is output j of row i.
    struct Columns {
        var c0 = SIMD8<Float>(), c1 = SIMD8<Float>(), c2 = SIMD8<Float>()
        var c3 = SIMD8<Float>(), c4 = SIMD8<Float>(), c5 = SIMD8<Float>()

        subscript(j: Int) -> SIMD8<Float> {
            switch j {
            case 0: c0
            case 1: c1
            case 2: c2
            case 3: c3
            case 4: c4
            default: c5
            }
        }
    }

    /// One panel against 16 transposed rows: (rows 0..<8, rows 8..<16).
    @inline(__always)
    static func sixteenRows(_ panel: UnsafePointer<Float>, _ xt: UnsafePointer<Float>, stride: Int, inDim c: Int)
        -> (Columns, Columns) {
        var a = Columns(), b = Columns()
        var w = panel, x = xt
        for _ in 0..<c {
            let x0 = load8(x), x1 = load8(x + 8)
            var s = SIMD8<Float>(repeating: w[0]); a.c0.addProduct(x0, s); b.c0.addProduct(x1, s)
            s = SIMD8<Float>(repeating: w[1]); a.c1.addProduct(x0, s); b.c1.addProduct(x1, s)
            s = SIMD8<Float>(repeating: w[2]); a.c2.addProduct(x0, s); b.c2.addProduct(x1, s)
            s = SIMD8<Float>(repeating: w[3]); a.c3.addProduct(x0, s); b.c3.addProduct(x1, s)
            s = SIMD8<Float>(repeating: w[4]); a.c4.addProduct(x0, s); b.c4.addProduct(x1, s)
            s = SIMD8<Float>(repeating: w[5]); a.c5.addProduct(x0, s); b.c5.addProduct(x1, s)
            w += 6
            x += stride
        }
        return (a, b)
    }

    /// One panel against 8 transposed rows.
    @inline(__always)
    static func eightRows(_ panel: UnsafePointer<Float>, _ xt: UnsafePointer<Float>, stride: Int, inDim c: Int) -> Columns {
        var a = Columns()
        var w = panel, x = xt
        for _ in 0..<c {
            let x0 = load8(x)
            a.c0.addProduct(x0, SIMD8(repeating: w[0])); a.c1.addProduct(x0, SIMD8(repeating: w[1]))
            a.c2.addProduct(x0, SIMD8(repeating: w[2])); a.c3.addProduct(x0, SIMD8(repeating: w[3]))
            a.c4.addProduct(x0, SIMD8(repeating: w[4])); a.c5.addProduct(x0, SIMD8(repeating: w[5]))
            w += 6
            x += stride
        }
        return a
    }
}
