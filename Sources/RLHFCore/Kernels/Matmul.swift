import COpenBLAS
import CWideKernels

/// Linear layer without bias, the workhorse of the model: `cblas_sgemm`, or `SmallGemm` for
/// the narrow products where sgemm's packing of both operands costs more than it saves.
public enum Matmul {
    /// out[N, OC] = inp[N, C] @ weight[OC, C]^T  (+ out when `accumulate`, used for residual adds)
    public static func forward(
        out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        rows n: Int, inDim c: Int, outDim oc: Int, accumulate: Bool = false
    ) {
        forward(out: out, inp: inp, weight: weight, transposed: nil, rows: n, inDim: c, outDim: oc, accumulate: accumulate)
    }

    /// The same product, given `transpose(weight)` when the caller made it (a pass over several
    /// chunks makes it once: `TransposedWeights`); with nil, a product that runs on `SmallGemm`
    /// transposes the weight itself.
    static func forward(
        out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        transposed: UnsafePointer<Float>?, rows n: Int, inDim c: Int, outDim oc: Int, accumulate: Bool = false
    ) {
        if n <= SkinnyMatmul.maxRows {
            SkinnyMatmul.forward(out: out, inp: inp, weight: weight, rows: n, inDim: c, outDim: oc, accumulate: accumulate)
            return
        }
        if let transposed {
            SmallGemm.multiply(m: n, n: oc, k: c, alpha: 1, a: inp, aRowStride: c, aColumnStride: 1,
                               b: transposed, ldb: transposedRowWidth(outDim: oc), c: out, ldc: oc, accumulate: accumulate)
            return
        }
        let count = transposedCount(inDim: c, outDim: oc)
        guard count > 0 else {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(oc), Int32(c),
                        1, inp, Int32(c), weight, Int32(c), accumulate ? 1 : 0, out, Int32(oc))
            return
        }
        withUnsafeTemporaryAllocation(byteCount: count * MemoryLayout<Float>.stride, alignment: 64) { raw in
            let weightT = raw.baseAddress!.assumingMemoryBound(to: Float.self)
            transpose(weight, inDim: c, outDim: oc, into: weightT)
            forward(out: out, inp: inp, weight: weight, transposed: weightT, rows: n, inDim: c, outDim: oc,
                    accumulate: accumulate)
        }
    }

    /// Floats of weight^T as `forward` reads it on `SmallGemm`, or 0 when this product stays with
    /// sgemm (then `forward` needs no transpose).
    static func transposedCount(inDim c: Int, outDim oc: Int) -> Int {
        SmallGemmRoute.forward(inDim: c, outDim: oc) ? c * transposedRowWidth(outDim: oc) : 0
    }

    /// Writes weight^T [C, OC] into `out` (`transposedCount` floats, 64-byte aligned), its rows
    /// padded with zeros to a multiple of 16 floats so that each starts on a cache line (a vector
    /// load across two lines costs two). Only for products that run on SmallGemm (AVX-512).
    static func transpose(_ weight: UnsafePointer<Float>, inDim c: Int, outDim oc: Int,
                          into out: UnsafeMutablePointer<Float>) {
        let width = transposedRowWidth(outDim: oc)
        Transpose.forward(weight, rows: oc, columns: c, inStride: c, into: out, outStride: width, outColumns: width)
    }

    static func transposedRowWidth(outDim oc: Int) -> Int { (oc + 15) / 16 * 16 }

    /// dinp[N, C] (+)= dout[N, OC] @ weight[OC, C];  dweight[OC, C] += dout^T @ inp
    public static func backward(
        dinp: UnsafeMutablePointer<Float>, dweight: UnsafeMutablePointer<Float>,
        dout: UnsafePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        rows n: Int, inDim c: Int, outDim oc: Int, accumulateInput: Bool
    ) {
        backwardInput(dinp: dinp, dout: dout, weight: weight, rows: n, inDim: c, outDim: oc, accumulate: accumulateInput)
        backwardWeight(dweight: dweight, dout: dout, inp: inp, rows: n, inDim: c, outDim: oc)
    }

    /// dinp[N, C] (+)= dout[N, OC] @ weight[OC, C]
    public static func backwardInput(
        dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        rows n: Int, inDim c: Int, outDim oc: Int, accumulate: Bool
    ) {
        if SmallGemmRoute.backward(inDim: c, outDim: oc) {
            SmallGemm.multiply(m: n, n: c, k: oc, alpha: 1, a: dout, aRowStride: oc, aColumnStride: 1,
                               b: weight, ldb: c, c: dinp, ldc: c, accumulate: accumulate)
            return
        }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(c), Int32(oc),
                    1, dout, Int32(oc), weight, Int32(c), accumulate ? 1 : 0, dinp, Int32(c))
    }

    /// dweight[OC, C] += dout[N, OC]^T @ inp[N, C]
    public static func backwardWeight(
        dweight: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, inp: UnsafePointer<Float>,
        rows n: Int, inDim c: Int, outDim oc: Int
    ) {
        if SmallGemmRoute.backward(inDim: c, outDim: oc) {
            // dout^T is dout with its strides swapped.
            SmallGemm.multiply(m: oc, n: c, k: n, alpha: 1, a: dout, aRowStride: 1, aColumnStride: oc,
                               b: inp, ldb: c, c: dweight, ldc: c, accumulate: true)
            return
        }
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(oc), Int32(c), Int32(n),
                    1, dout, Int32(oc), inp, Int32(c), 1, dweight, Int32(c))
    }

    /// Whether both products of this layer's backward run on `SmallGemm`, so that a caller may
    /// take them a block of rows at a time (sgemm would pack the whole weight again for each).
    public static func backwardRunsOnSmallGemm(inDim c: Int, outDim oc: Int) -> Bool {
        SmallGemmRoute.backward(inDim: c, outDim: oc)
    }
}

/// Which linear-layer products go through the AVX-512 `SmallGemm` rather than `sgemm`: those
/// where it measured faster, op by op, at 2,048 and 4,096 rows on a Xeon (Emerald Rapids, one
/// thread). sgemm packs both operands on every call and makes a pass over C for beta = 0;
/// at C <= 128 that costs it 10-30% against SmallGemm's direct reads, and it wins back from
/// C = 256 up, where its cache blocking pays (there SmallGemm falls to 60-90% of it).
/// SmallGemm runs on one thread, so with more BLAS threads everything stays with sgemm.
enum SmallGemmRoute {
    /// out = inp weight^T: C <= 128 or OC <= 128 (+0-30%; small's down projection, 352 -> 128,
    /// ties op by op but trained 3% faster), and neither above 1,024 (the transpose).
    static func forward(inDim c: Int, outDim oc: Int) -> Bool {
        singleThreaded && (c <= 128 || oc <= 128) && max(c, oc) <= 1024
    }

    /// dinp = dout weight and dweight += dout^T inp: C <= 128 (dinp +3-25%, dweight +0-30%) or
    /// OC <= 128 (small's down projection, 352 -> 128: +10% and +25% at 2,048 rows), and C a
    /// multiple of 16, so that B's rows (of the weight, of inp) start on cache lines: one float
    /// off, SmallGemm loses 10-25% and falls behind sgemm, which packs them aligned.
    static func backward(inDim c: Int, outDim oc: Int) -> Bool {
        singleThreaded && (c <= 128 || oc <= 128) && c % 16 == 0
    }

    private static var singleThreaded: Bool { wideKernels && openblas_get_num_threads() == 1 }
}

/// Number of threads OpenBLAS uses for every following call in this process.
public func setBLASThreads(_ count: Int) {
    openblas_set_num_threads(Int32(max(1, count)))
}
