import COpenBLAS

/// Linear layer without bias, the workhorse of the model; everything goes through `cblas_sgemm`.
public enum Matmul {
    /// out[N, OC] = inp[N, C] @ weight[OC, C]^T  (+ out when `accumulate`, used for residual adds)
    public static func forward(
        out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        rows n: Int, inDim c: Int, outDim oc: Int, accumulate: Bool = false
    ) {
        if n <= SkinnyMatmul.maxRows {
            SkinnyMatmul.forward(out: out, inp: inp, weight: weight, rows: n, inDim: c, outDim: oc, accumulate: accumulate)
            return
        }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(oc), Int32(c),
                    1, inp, Int32(c), weight, Int32(c), accumulate ? 1 : 0, out, Int32(oc))
    }

    /// dinp[N, C] (+)= dout[N, OC] @ weight[OC, C];  dweight[OC, C] += dout^T @ inp
    public static func backward(
        dinp: UnsafeMutablePointer<Float>, dweight: UnsafeMutablePointer<Float>,
        dout: UnsafePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        rows n: Int, inDim c: Int, outDim oc: Int, accumulateInput: Bool
    ) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(c), Int32(oc),
                    1, dout, Int32(oc), weight, Int32(c), accumulateInput ? 1 : 0, dinp, Int32(c))
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(oc), Int32(c), Int32(n),
                    1, dout, Int32(oc), inp, Int32(c), 1, dweight, Int32(c))
    }
}

/// Number of threads OpenBLAS uses for every following call in this process.
public func setBLASThreads(_ count: Int) {
    openblas_set_num_threads(Int32(max(1, count)))
}
