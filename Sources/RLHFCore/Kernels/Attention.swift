import COpenBLAS

/// Causal self-attention with grouped-query heads.
///
/// qkv rows hold [q (NH*HS) | k (NKV*HS) | v (NKV*HS)], already rotated; query head h reads
/// key/value head h / (NH/NKV). Each (sequence, head) is processed in blocks of query rows
/// [r0, r1) that only meet keys [0, r1): `sgemm` never computes the masked upper triangle
/// beyond the diagonal block, which roughly halves the work and the memory traffic.
public struct Attention: Sendable {
    public let nHeads: Int
    public let nKVHeads: Int
    public let headDim: Int
    /// Query rows per block.
    static let block = 64

    public init(config: ModelConfig) {
        nHeads = config.nHeads
        nKVHeads = config.nKVHeads
        headDim = config.headDim
    }

    /// Floats per qkv row (S3).
    public var qkvWidth: Int { (nHeads + 2 * nKVHeads) * headDim }
    private var scale: Float { 1 / Float(headDim).squareRoot() }

    /// out[B, T, NH*HS], probs[B, NH, T, T] = softmax(q k^T / sqrt(HS), causal) v   from qkv[B, T, S3]
    ///
    /// Only the lower block triangle of `probs` is written; nothing reads the rest. Without
    /// `keepingProbs` (no backward follows), `probs` is one [T, T] scratch reused by every head.
    public func forward(
        out: UnsafeMutablePointer<Float>, probs: UnsafeMutablePointer<Float>, qkv: UnsafePointer<Float>,
        batch b: Int, time t: Int, keepingProbs: Bool = true
    ) {
        let s3 = qkvWidth, c = nHeads * headDim, group = nHeads / nKVHeads
        let hs = Int32(headDim), ld3 = Int32(s3), ldt = Int32(t)
        for bi in 0..<b {
            let base = qkv + bi * t * s3
            for h in 0..<nHeads {
                let q = base + h * headDim
                let k = base + c + (h / group) * headDim
                let v = base + c + nKVHeads * headDim + (h / group) * headDim
                let p = keepingProbs ? probs + (bi * nHeads + h) * t * t : probs
                let y = out + bi * t * c + h * headDim
                for r0 in stride(from: 0, to: t, by: Self.block) {
                    let r1 = min(r0 + Self.block, t), rows = Int32(r1 - r0)
                    // S[r0..<r1, 0..<r1] = scale Q K^T
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, Int32(r1), hs,
                                scale, q + r0 * s3, ld3, k, ld3, 0, p + r0 * t, ldt)
                    for i in r0..<r1 {
                        let row = p + i * t
                        let m = maxOf(row, i + 1)
                        let inv = 1 / expShifted(row, row, i + 1, scale: 1, shift: m)
                        for j in 0...i { row[j] *= inv }
                        if i + 1 < r1 { (row + i + 1).update(repeating: 0, count: r1 - i - 1) }
                    }
                    // Y[r0..<r1] = P[r0..<r1, 0..<r1] V[0..<r1]
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, hs, Int32(r1),
                                1, p + r0 * t, ldt, v, ld3, 0, y + r0 * c, Int32(c))
                }
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
        let hs = Int32(headDim), ld3 = Int32(s3), ldt = Int32(t)
        // dK and dV accumulate over query blocks and over the heads of a group.
        for row in 0..<(b * t) {
            (dqkv + row * s3 + kvOffset).update(repeating: 0, count: 2 * nKVHeads * headDim)
        }
        for bi in 0..<b {
            let base = qkv + bi * t * s3
            let dbase = dqkv + bi * t * s3
            let dy = dout + bi * t * c
            for h in 0..<nHeads {
                let kv = (h / group) * headDim
                let q = base + h * headDim, k = base + kvOffset + kv, v = base + vOffset + kv
                let dq = dbase + h * headDim, dk = dbase + kvOffset + kv, dv = dbase + vOffset + kv
                let dyh = dy + h * headDim
                let p = probs + (bi * nHeads + h) * t * t
                for r0 in stride(from: 0, to: t, by: Self.block) {
                    let r1 = min(r0 + Self.block, t), rows = Int32(r1 - r0)
                    let pb = p + r0 * t, ds = scratch + r0 * t
                    // dP = dY V^T
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, Int32(r1), hs,
                                1, dyh + r0 * c, Int32(c), v, ld3, 0, ds, ldt)
                    // dV[0..<r1] += P^T dY
                    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(r1), hs, rows,
                                1, pb, ldt, dyh + r0 * c, Int32(c), 1, dv, ld3)
                    // dS = P * (dP - rowsum(dP * P)), zero above the diagonal
                    for i in r0..<r1 {
                        let pr = p + i * t, dr = scratch + i * t
                        let rowDot = dot(pr, dr, i + 1)
                        for j in 0...i { dr[j] = pr[j] * (dr[j] - rowDot) }
                        if i + 1 < r1 { (dr + i + 1).update(repeating: 0, count: r1 - i - 1) }
                    }
                    // dQ = scale dS K
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, hs, Int32(r1),
                                scale, ds, ldt, k, ld3, 0, dq + r0 * s3, ld3)
                    // dK[0..<r1] += scale dS^T Q
                    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(r1), hs, rows,
                                scale, ds, ldt, q + r0 * s3, ld3, 1, dk, ld3)
                }
            }
        }
    }
}
