import COpenBLAS

/// Causal self-attention with grouped-query heads, one `sgemm` per (sequence, head) for the
/// score and value products.
///
/// qkv rows hold [q (NH*HS) | k (NKV*HS) | v (NKV*HS)], already rotated; query head h reads
/// key/value head h / (NH/NKV).
public struct Attention: Sendable {
    public let nHeads: Int
    public let nKVHeads: Int
    public let headDim: Int

    public init(config: ModelConfig) {
        nHeads = config.nHeads
        nKVHeads = config.nKVHeads
        headDim = config.headDim
    }

    /// Floats per qkv row (S3).
    public var qkvWidth: Int { (nHeads + 2 * nKVHeads) * headDim }
    private var scale: Float { 1 / Float(headDim).squareRoot() }

    /// out[B, T, NH*HS], probs[B, NH, T, T] = softmax(q k^T / sqrt(HS), causal) v   from qkv[B, T, S3]
    public func forward(
        out: UnsafeMutablePointer<Float>, probs: UnsafeMutablePointer<Float>, qkv: UnsafePointer<Float>,
        batch b: Int, time t: Int
    ) {
        let s3 = qkvWidth, c = nHeads * headDim, group = nHeads / nKVHeads
        for bi in 0..<b {
            let base = qkv + bi * t * s3
            for h in 0..<nHeads {
                let q = base + h * headDim
                let k = base + c + (h / group) * headDim
                let v = base + c + nKVHeads * headDim + (h / group) * headDim
                let p = probs + (bi * nHeads + h) * t * t
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(t), Int32(t), Int32(headDim),
                            scale, q, Int32(s3), k, Int32(s3), 0, p, Int32(t))
                for i in 0..<t {
                    let row = p + i * t
                    let m = maxOf(row, i + 1)
                    let sum = expShifted(row, row, i + 1, scale: 1, shift: m)
                    let inv = 1 / sum
                    for j in 0...i { row[j] *= inv }
                    if i + 1 < t { (row + i + 1).update(repeating: 0, count: t - i - 1) }
                }
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(t), Int32(headDim), Int32(t),
                            1, p, Int32(t), v, Int32(s3), 0, out + bi * t * c + h * headDim, Int32(c))
            }
        }
    }

    /// dqkv[B, T, S3] = d/dqkv given dout[B, T, NH*HS]; `scratch` holds T*T floats.
    public func backward(
        dqkv: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
        probs: UnsafePointer<Float>, qkv: UnsafePointer<Float>, batch b: Int, time t: Int
    ) {
        let s3 = qkvWidth, c = nHeads * headDim, group = nHeads / nKVHeads
        let kvOffset = c, vOffset = c + nKVHeads * headDim
        for bi in 0..<b {
            let base = qkv + bi * t * s3
            let dbase = dqkv + bi * t * s3
            let dy = dout + bi * t * c
            for h in 0..<nHeads {
                let kv = (h / group) * headDim
                // The first query head of a group overwrites dk, dv; the others accumulate.
                let beta: Float = h % group == 0 ? 0 : 1
                let p = probs + (bi * nHeads + h) * t * t
                let dp = scratch
                // dP = dY V^T
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(t), Int32(t), Int32(headDim),
                            1, dy + h * headDim, Int32(c), base + vOffset + kv, Int32(s3), 0, dp, Int32(t))
                // dV (+)= P^T dY
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(t), Int32(headDim), Int32(t),
                            1, p, Int32(t), dy + h * headDim, Int32(c), beta, dbase + vOffset + kv, Int32(s3))
                // dS = P * (dP - rowsum(dP * P)), zero above the diagonal
                for i in 0..<t {
                    let pr = p + i * t, dr = dp + i * t
                    let rowDot = dot(pr, dr, i + 1)
                    for j in 0...i { dr[j] = pr[j] * (dr[j] - rowDot) }
                    if i + 1 < t { (dr + i + 1).update(repeating: 0, count: t - i - 1) }
                }
                // dQ = scale dS K
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(t), Int32(headDim), Int32(t),
                            scale, dp, Int32(t), base + kvOffset + kv, Int32(s3), 0, dbase + h * headDim, Int32(s3))
                // dK (+)= scale dS^T Q
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(t), Int32(headDim), Int32(t),
                            scale, dp, Int32(t), base + h * headDim, Int32(s3), beta, dbase + kvOffset + kv, Int32(s3))
            }
        }
    }
}
