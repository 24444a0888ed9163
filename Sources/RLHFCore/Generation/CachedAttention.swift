import CPrefetch

/// One query head against the cached keys and values of its sequence (decoding).
///
/// A head's cached keys and values are contiguous rows [position, HS] (see `KVCache`). Both
/// loops keep a head's running sums in registers across positions instead of reducing or
/// storing them per position. A decoding step reads each sequence's whole cache once (medium:
/// ~10 MB, from L3), one block of a few KB per head: each loop prefetches the block the
/// decoder reads next (`upcoming`), line for line in step with its own, so that no block
/// starts cold.
enum CachedAttention {
    /// Floats per cache line.
    static let lineFloats = 16

    /// Prefetches the lines of `block` under rows first..<first+rows of width `hs`.
    @inline(__always)
    static func prefetchBlockRows(_ block: UnsafePointer<Float>, first: Int, rows: Int, headDim hs: Int) {
        for offset in stride(from: first * hs, to: (first + rows) * hs, by: lineFloats) {
            rlhf_prefetch(block + offset)
        }
    }

    /// scores[t] = q . k[t]   for t in 0..<count;  q[HS], k[count, HS]; prefetches the same
    /// rows of `upcoming` (the keys read next).
    static func scores(
        _ scores: UnsafeMutablePointer<Float>, query q: UnsafePointer<Float>, keys k: UnsafePointer<Float>,
        count: Int, headDim hs: Int, upcoming: UnsafePointer<Float>
    ) {
        var t = 0
        if hs % 8 == 0 {
            // Eight positions at a time, their dot products reduced together.
            while t + 8 <= count {
                let kt = k + t * hs
                var a0 = SIMD8<Float>(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0
                for d in stride(from: 0, to: hs, by: 8) {
                    let qd = load8(q + d)
                    a0.addProduct(qd, load8(kt + d)); a1.addProduct(qd, load8(kt + hs + d))
                    a2.addProduct(qd, load8(kt + 2 * hs + d)); a3.addProduct(qd, load8(kt + 3 * hs + d))
                    a4.addProduct(qd, load8(kt + 4 * hs + d)); a5.addProduct(qd, load8(kt + 5 * hs + d))
                    a6.addProduct(qd, load8(kt + 6 * hs + d)); a7.addProduct(qd, load8(kt + 7 * hs + d))
                }
                store8(horizontalSums(a0, a1, a2, a3, a4, a5, a6, a7), scores + t)
                prefetchBlockRows(upcoming, first: t, rows: 8, headDim: hs)
                t += 8
            }
        }
        prefetchBlockRows(upcoming, first: t, rows: count - t, headDim: hs)
        while t < count {
            scores[t] = dot(q, k + t * hs, hs)
            t += 1
        }
    }

    /// out[HS] = scale * sum_t p[t] v[t]   for t in 0..<count;  v[count, HS] (`scale` normalises
    /// unnormalised softmax weights); prefetches the same rows of `upcoming` (the values read next).
    static func weightedSum(
        _ out: UnsafeMutablePointer<Float>, weights p: UnsafePointer<Float>, values v: UnsafePointer<Float>,
        count: Int, headDim hs: Int, scale: Float, upcoming: UnsafePointer<Float>
    ) {
        var d = 0
        // Four vectors of the head at a time: four independent FMA chains. The first pass over
        // the positions prefetches whole rows of the upcoming block.
        while d + 32 <= hs {
            var a0 = SIMD8<Float>(), a1 = a0, a2 = a0, a3 = a0
            for t in 0..<count {
                if d == 0 { prefetchBlockRows(upcoming, first: t, rows: 1, headDim: hs) }
                let vt = v + t * hs + d, pt = SIMD8<Float>(repeating: p[t])
                a0.addProduct(pt, load8(vt)); a1.addProduct(pt, load8(vt + 8))
                a2.addProduct(pt, load8(vt + 16)); a3.addProduct(pt, load8(vt + 24))
            }
            store8(scale * a0, out + d); store8(scale * a1, out + d + 8)
            store8(scale * a2, out + d + 16); store8(scale * a3, out + d + 24)
            d += 32
        }
        if d == 0 { prefetchBlockRows(upcoming, first: 0, rows: count, headDim: hs) }
        while d + 8 <= hs {
            var a = SIMD8<Float>()
            for t in 0..<count { a.addProduct(SIMD8(repeating: p[t]), load8(v + t * hs + d)) }
            store8(scale * a, out + d)
            d += 8
        }
        while d < hs {
            var s: Float = 0
            for t in 0..<count { s += p[t] * v[t * hs + d] }
            out[d] = scale * s
            d += 1
        }
    }
}
