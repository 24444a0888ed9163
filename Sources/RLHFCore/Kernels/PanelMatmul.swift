/// A weight matrix [OC, C] repacked for `PanelMatmul`: panels of `PanelMatmul.panelWidth`
/// consecutive output rows, each panel stored k-major ([C][width]), so the kernel reads all the
/// weights as one sequential stream. The last panel is padded with zeros where OC runs out.
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
        // Written in order (the reads walk `width` rows of the weight at once): packing is part
        // of every `generate` call.
        for panel in 0..<count {
            let destination = panels.pointer + panel * width * c
            let outputs = min(width, oc - panel * width)
            let source = weight + panel * width * c
            for k in 0..<c {
                let row = destination + k * width
                for j in 0..<outputs { row[j] = source[j * c + k] }
                for j in outputs..<width { row[j] = 0 }
            }
        }
    }
}

/// The linear layer for decoding (up to `maxRows` rows) with weights packed in a `PanelMatrix`.
///
/// With few rows the product is bound by reading the weights. Each panel is a row-major
/// [C, 16] block (32 where the AVX-512 kernels run), so `SmallGemm` multiplies the rows of the
/// input, read in place, by one panel at a time: tiles of 6 rows x 16 outputs keep 12
/// accumulators (2 weight loads and 6 input broadcasts per 12 FMAs; with AVX-512, 8 rows x 32
/// outputs in 16), the weights arrive as one sequential stream, a panel is reused from L1 by
/// every tile of rows, and each tile stores whole rows of outputs. A model's panels do
/// not fit in L2, so every step streams them from L3; the hardware prefetcher alone started each
/// chunk late (weights-bound at ~35 GFLOP/s on medium's layers), hence software prefetch one
/// depth chunk ahead (~45). An earlier layout of 6 outputs broadcast against 16 transposed rows
/// spent as long transposing the input and scattering the outputs lane by lane as multiplying,
/// at small C.
public enum PanelMatmul {
    /// Output rows per panel: one `SmallGemm` strip, 16 columns on SIMD8 and 32 on AVX-512
    /// (medium's decoding: 6,300 tokens/s against 5,800 with 16).
    public static let panelWidth = 2 * kernelVectorWidth
    /// Rows at or below which decoding uses this kernel; larger batches (prefill) use `sgemm`.
    public static let maxRows = SkinnyMatmul.maxRows
    /// Rows of a panel requested ahead of use: one `SmallGemm` depth chunk, so that the next
    /// chunk arrives while the tiles reuse this one.
    static let prefetchRows = SmallGemm.depthChunk

    /// out[N, OC] = inp[N, C] @ weight^T  (+ out when `accumulate`).
    public static func forward(
        out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, weight: PanelMatrix,
        rows n: Int, accumulate: Bool = false
    ) {
        let c = weight.inDim, oc = weight.outDim, width = panelWidth
        for o0 in stride(from: 0, to: oc, by: width) {
            SmallGemm.multiply(m: n, n: min(width, oc - o0), k: c, alpha: 1,
                               a: inp, aRowStride: c, aColumnStride: 1,
                               b: weight.panels.pointer + o0 * c, ldb: width,
                               c: out + o0, ldc: oc, accumulate: accumulate, prefetchRows: prefetchRows)
        }
    }
}
