import CWideKernels

/// Causal self-attention with grouped-query heads.
///
/// qkv rows hold [q (NH*HS) | k (NKV*HS) | v (NKV*HS)], already rotated; query head h reads
/// key/value head h / (NH/NKV). Every product is a `SmallGemm` on blocks of `block` rows:
/// query rows [r0, r1) only meet keys [0, r1), so the masked upper triangle is computed only
/// within the diagonal block. The operands a product streams through (the right-hand B of
/// `SmallGemm`) are first copied out of the strided qkv rows into a scratch of [T, HS] or, for
/// Q K^T and dY V^T, [HS, T] blocks: a key/value head's once per sequence, shared by its
/// group's query heads, so that the products read dense rows that stay in L1. With a head dim of
/// 8 on AVX-512, P V and dS K take two positions per 16-lane vector (`rlhf_wide_gemm_n8`).
public struct Attention: Sendable {
    public let nHeads: Int
    public let nKVHeads: Int
    public let headDim: Int
    /// Query rows per block, and key rows per block of dK and dV: a multiple of 8, so that the
    /// scores of a block span whole 8-column strips, and of both `SmallGemm` tile heights.
    static let block = 24

    public init(config: ModelConfig) {
        nHeads = config.nHeads
        nKVHeads = config.nKVHeads
        headDim = config.headDim
    }

    /// Floats per qkv row (S3).
    public var qkvWidth: Int { (nHeads + 2 * nKVHeads) * headDim }
    private var scale: Float { 1 / Float(headDim).squareRoot() }

    /// Floats of the `heads` scratch that `forward` and `backward` need for `t` positions:
    /// seven blocks of [T, HS] or [HS, `transposedStride(t)`].
    public func headScratchCount(time t: Int) -> Int { 7 * headDim * Self.transposedStride(t) }

    /// Floats between the rows of a transposed [HS, T] block: T padded to 8 past a multiple of
    /// 16, so that the rows of a strip do not all fall into the same few L1 sets, as they do
    /// 1 KB apart (T = 256).
    static func transposedStride(_ t: Int) -> Int { (t + 15) / 16 * 16 + 8 }

    /// out[B, T, NH*HS] = softmax(q k^T / sqrt(HS), causal) v   from qkv[B, T, S3]
    ///
    /// `probs` is a [T, T] scratch that holds one head's unnormalised probabilities at a time
    /// (exp(s - max) per row): only its lower block triangle is written, zero above the diagonal
    /// within each diagonal block. With `rowStats` [B, NH, T, 2] (a backward pass follows), each
    /// query row's maximum and reciprocal sum go there, from which `backward` recomputes the
    /// probabilities, those values times the reciprocal sum, bit for bit:
    /// storing all B*NH*T*T of them cost more in memory traffic than recomputing (stories260k
    /// training spent ~7% of its time writing them) and dominated the activations' memory.
    /// `heads` holds `headScratchCount(time:)` floats.
    public func forward(
        out: UnsafeMutablePointer<Float>, probs p: UnsafeMutablePointer<Float>, rowStats: UnsafeMutablePointer<Float>?,
        heads: UnsafeMutablePointer<Float>, qkv: UnsafePointer<Float>, batch b: Int, time t: Int
    ) {
        let hs = headDim, s3 = qkvWidth, c = nHeads * hs, group = nHeads / nKVHeads
        let ld = Self.transposedStride(t), kT = heads, v = heads + hs * ld
        withUnsafeTemporaryAllocation(of: Float.self, capacity: Self.block) { inverseSums in
            for bi in 0..<b {
                let base = qkv + bi * t * s3
                for kvHead in 0..<nKVHeads {
                    let kv = kvHead * hs
                    transpose(base + c + kv, rowStride: s3, rows: t, into: kT, stride: ld)
                    copyOperand(base + c + nKVHeads * hs + kv, rowStride: s3, rows: t, into: v)
                    for h in (kvHead * group)..<((kvHead + 1) * group) {
                        let q = base + h * hs
                        let stats = rowStats.map { $0 + (bi * nHeads + h) * t * 2 }
                        let y = out + bi * t * c + h * hs
                        for r0 in stride(from: 0, to: t, by: Self.block) {
                            let r1 = min(r0 + Self.block, t), rows = r1 - r0
                            scores(p, rows: r0..<r1, query: q, queryStride: s3, keysTransposed: kT, stride: ld, time: t)
                            for i in r0..<r1 {
                                inverseSums[i - r0] = expRow(p + i * t, count: i + 1, width: r1, stats: stats.map { $0 + 2 * i })
                            }
                            // Y[r0..<r1] = E[r0..<r1, 0..<r1] V[0..<r1], then each row over its sum:
                            // normalising the head dim's few outputs costs less than P's row.
                            multiplyByHead(m: rows, k: r1, alpha: 1, a: p + r0 * t, aRowStride: t, operand: v,
                                           c: y + r0 * c, ldc: c)
                            for i in r0..<r1 {
                                let row = y + i * c, inv = inverseSums[i - r0]
                                for d in 0..<hs { row[d] *= inv }
                            }
                        }
                    }
                }
            }
        }
    }

    /// S[r0..<r1, 0..<r1] = scale Q K^T into rows r0..<r1 of `p` [T, T]; the same product in
    /// `forward` and in `backward`'s recomputation, so both get the same bits.
    @inline(__always)
    private func scores(
        _ p: UnsafeMutablePointer<Float>, rows: Range<Int>, query q: UnsafePointer<Float>, queryStride: Int,
        keysTransposed kT: UnsafePointer<Float>, stride ld: Int, time t: Int
    ) {
        SmallGemm.multiply(m: rows.count, n: rows.upperBound, k: headDim, alpha: scale, a: q + rows.lowerBound * queryStride,
                           aRowStride: queryStride, aColumnStride: 1, b: kT, ldb: ld, c: p + rows.lowerBound * t, ldc: t,
                           accumulate: false)
    }

    /// dqkv[B, T, S3] = d/dqkv given dout[B, T, NH*HS], with `rowStats` as `forward` left them;
    /// `probs` and `scratch` hold T*T floats each (a head's recomputed probabilities and its dS),
    /// `heads` `headScratchCount(time:)` floats.
    public func backward(
        dqkv: UnsafeMutablePointer<Float>, probs p: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>,
        rowStats: UnsafePointer<Float>, heads: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
        qkv: UnsafePointer<Float>, batch b: Int, time t: Int
    ) {
        let hs = headDim, s3 = qkvWidth, c = nHeads * hs, group = nHeads / nKVHeads
        let kvOffset = c, vOffset = c + nKVHeads * hs
        let ld = Self.transposedStride(t)
        let vT = heads, k = heads + hs * ld, q = heads + 2 * hs * ld, dy = heads + 3 * hs * ld
        // dK and dV transposed, [HS, T]: summed over the heads of a group, then written into dqkv.
        let dkT = heads + 4 * hs * ld, dvT = heads + 5 * hs * ld, kT = heads + 6 * hs * ld
        for bi in 0..<b {
            let base = qkv + bi * t * s3
            let dbase = dqkv + bi * t * s3
            for kvHead in 0..<nKVHeads {
                let kv = kvHead * hs
                let dk = dbase + kvOffset + kv, dv = dbase + vOffset + kv
                transpose(base + vOffset + kv, rowStride: s3, rows: t, into: vT, stride: ld)
                copyOperand(base + kvOffset + kv, rowStride: s3, rows: t, into: k)
                transpose(base + kvOffset + kv, rowStride: s3, rows: t, into: kT, stride: ld)
                for h in (kvHead * group)..<((kvHead + 1) * group) {
                    let firstOfGroup = h == kvHead * group
                    let dq = dbase + h * hs
                    copy(base + h * hs, rowStride: s3, rows: t, into: q)
                    copy(dout + bi * t * c + h * hs, rowStride: c, rows: t, into: dy)
                    let stats = rowStats + (bi * nHeads + h) * t * 2
                    // By query blocks: P again, from what `forward` computed; dS (into scratch, zero
                    // above the diagonal within the diagonal block, like P) and dQ, which only
                    // needs this block's rows of dS.
                    for r0 in stride(from: 0, to: t, by: Self.block) {
                        let r1 = min(r0 + Self.block, t), rows = r1 - r0
                        scores(p, rows: r0..<r1, query: base + h * hs, queryStride: s3, keysTransposed: kT, stride: ld, time: t)
                        for i in r0..<r1 { recomputeRow(p + i * t, count: i + 1, width: r1, stats: stats + 2 * i) }
                        let ds = scratch + r0 * t
                        // dP = dY V^T
                        SmallGemm.multiply(m: rows, n: r1, k: hs, alpha: 1, a: dy + r0 * hs, aRowStride: hs,
                                           aColumnStride: 1, b: vT, ldb: ld, c: ds, ldc: t, accumulate: false)
                        // dS = P * (dP - rowsum(dP * P))
                        for i in r0..<r1 { softmaxRowBackward(p + i * t, scratch + i * t, count: i + 1, width: r1) }
                        // dQ = scale dS K
                        multiplyByHead(m: rows, k: r1, alpha: scale, a: ds, aRowStride: t, operand: k, c: dq + r0 * s3, ldc: s3)
                    }
                    // By key blocks: keys [j0, j1) meet the queries [j0, T) only; the entries of
                    // P and dS above the diagonal within the diagonal block are zero. Transposed
                    // (dV^T = dY^T P), the products stream whole rows of P and dS as B, and the
                    // head dim is M: with a small head dim, the keys fill the vectors instead.
                    for j0 in stride(from: 0, to: t, by: Self.block) {
                        let keys = min(Self.block, t - j0)
                        // dV^T (+)= dY^T P
                        SmallGemm.multiply(m: hs, n: keys, k: t - j0, alpha: 1, a: dy + j0 * hs, aRowStride: 1,
                                           aColumnStride: hs, b: p + j0 * t + j0, ldb: t, c: dvT + j0, ldc: ld,
                                           accumulate: !firstOfGroup)
                        // dK^T (+)= scale Q^T dS
                        SmallGemm.multiply(m: hs, n: keys, k: t - j0, alpha: scale, a: q + j0 * hs, aRowStride: 1,
                                           aColumnStride: hs, b: scratch + j0 * t + j0, ldb: t, c: dkT + j0, ldc: ld,
                                           accumulate: !firstOfGroup)
                    }
                }
                transposeBack(dkT, stride: ld, rows: t, into: dk, rowStride: s3)
                transposeBack(dvT, stride: ld, rows: t, into: dv, rowStride: s3)
            }
        }
    }

    /// row[0..<count] = exp(row[j] - max), the softmax before normalising; row[count..<width] =
    /// 0, the masked entries within the diagonal block. Returns the reciprocal of the sum; the
    /// maximum and it go to `stats` if given.
    @inline(__always)
    private func expRow(_ row: UnsafeMutablePointer<Float>, count: Int, width: Int, stats: UnsafeMutablePointer<Float>?) -> Float {
        if wideKernels { return rlhf_wide_exp_row(row, count, width, stats) }
        let max = maxOf8(row, count)
        let inv = 1 / expShifted8(row, row, count, scale: 1, shift: max)
        (row + count).update(repeating: 0, count: width - count)
        stats?[0] = max
        stats?[1] = inv
        return inv
    }

    /// The normalised softmax of the scores `expRow` saw, from the maximum and reciprocal sum it
    /// recorded in `stats`: its values times the reciprocal, bit for bit.
    @inline(__always)
    private func recomputeRow(_ row: UnsafeMutablePointer<Float>, count: Int, width: Int, stats: UnsafePointer<Float>) {
        if wideKernels { return rlhf_wide_softmax_recompute_row(row, count, width, stats[0], stats[1]) }
        _ = expShifted8(row, row, count, scale: 1, shift: stats[0])
        for j in 0..<count { row[j] *= stats[1] }
        (row + count).update(repeating: 0, count: width - count)
    }

    /// dP -> dS in place: ds[j] = p[j] * (dp[j] - rowsum(dp * p)) for j < count, zero up to `width`.
    @inline(__always)
    private func softmaxRowBackward(_ p: UnsafePointer<Float>, _ dp: UnsafeMutablePointer<Float>, count: Int, width: Int) {
        if wideKernels { return rlhf_wide_softmax_backward_row(p, dp, count, width) }
        let rowDot = dot(p, dp, count)
        for j in 0..<count { dp[j] = p[j] * (dp[j] - rowDot) }
        (dp + count).update(repeating: 0, count: width - count)
    }

    /// The head at `head` (rows `rowStride` floats apart) = transposed[HS, rows] (rows `stride` floats apart).
    private func transposeBack(
        _ transposed: UnsafePointer<Float>, stride: Int, rows: Int, into head: UnsafeMutablePointer<Float>, rowStride: Int
    ) {
        Transpose.forward(transposed, rows: headDim, columns: rows, inStride: stride, into: head, outStride: rowStride,
                          outColumns: headDim)
    }

    /// Whether the products by a head ([T, HS] operands: P V and dS K) use `rlhf_wide_gemm_n8`:
    /// with a head dim of 8, `SmallGemm`'s 16-lane vectors would be half empty.
    private var pairsHeadRows: Bool { wideKernels && headDim == 8 }

    /// out = the head at `head` (rows `rowStride` floats apart) as the B operand of
    /// `multiplyByHead`: [rows, HS] dense, or with `pairsHeadRows` rows 2j and 2j+1 interleaved
    /// lane by lane into row j of 16 (zeros standing for a missing last row). Both fit in one
    /// [HS, `transposedStride(rows)`] scratch block.
    private func copyOperand(_ head: UnsafePointer<Float>, rowStride: Int, rows: Int, into out: UnsafeMutablePointer<Float>) {
        guard pairsHeadRows else { return copy(head, rowStride: rowStride, rows: rows, into: out) }
        for j in 0..<rows {
            let row = head + j * rowStride, pair = out + (j / 2) * 16 + j % 2
            for d in 0..<8 { pair[2 * d] = row[d] }
        }
        if rows % 2 == 1 {
            let pair = out + (rows / 2) * 16 + 1
            for d in 0..<8 { pair[2 * d] = 0 }
        }
    }

    /// C[M, HS] = alpha A[M, K] B[K, HS], B from `copyOperand`, A's rows contiguous.
    private func multiplyByHead(
        m: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, aRowStride: Int, operand b: UnsafePointer<Float>,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        if pairsHeadRows {
            rlhf_wide_gemm_n8(m, k, alpha, a, aRowStride, b, c, ldc)
        } else {
            SmallGemm.multiply(m: m, n: headDim, k: k, alpha: alpha, a: a, aRowStride: aRowStride, aColumnStride: 1,
                               b: b, ldb: headDim, c: c, ldc: ldc, accumulate: false)
        }
    }

    /// out[rows, HS] = the head at `head` (rows `rowStride` floats apart), dense.
    private func copy(_ head: UnsafePointer<Float>, rowStride: Int, rows: Int, into out: UnsafeMutablePointer<Float>) {
        for j in 0..<rows { (out + j * headDim).update(from: head + j * rowStride, count: headDim) }
    }

    /// out[HS, rows] (rows `stride` floats apart) = the head at `head` (rows `rowStride` floats apart), transposed.
    private func transpose(
        _ head: UnsafePointer<Float>, rowStride: Int, rows: Int, into out: UnsafeMutablePointer<Float>, stride: Int
    ) {
        Transpose.forward(head, rows: rows, columns: headDim, inStride: rowStride, into: out, outStride: stride,
                          outColumns: rows)
    }
}
