/// One query head against the cached keys and values of its sequence (decoding).
///
/// A head's cached keys and values are contiguous rows [position, HS] (see `KVCache`). Both
/// loops keep a head's running sums in registers across positions instead of reducing or
/// storing them per position.
enum CachedAttention {
    /// scores[t] = q . k[t]   for t in 0..<count;  q[HS], k[count, HS]
    static func scores(
        _ scores: UnsafeMutablePointer<Float>, query q: UnsafePointer<Float>, keys k: UnsafePointer<Float>,
        count: Int, headDim hs: Int
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
                t += 8
            }
        }
        while t < count {
            scores[t] = dot(q, k + t * hs, hs)
            t += 1
        }
    }

    /// out[HS] = sum_t p[t] v[t]   for t in 0..<count;  v[count, HS]
    static func weightedSum(
        _ out: UnsafeMutablePointer<Float>, weights p: UnsafePointer<Float>, values v: UnsafePointer<Float>,
        count: Int, headDim hs: Int
    ) {
        var d = 0
        // Four vectors of the head at a time: four independent FMA chains.
        while d + 32 <= hs {
            var a0 = SIMD8<Float>(), a1 = a0, a2 = a0, a3 = a0
            for t in 0..<count {
                let vt = v + t * hs + d, pt = SIMD8<Float>(repeating: p[t])
                a0.addProduct(pt, load8(vt)); a1.addProduct(pt, load8(vt + 8))
                a2.addProduct(pt, load8(vt + 16)); a3.addProduct(pt, load8(vt + 24))
            }
            store8(a0, out + d); store8(a1, out + d + 8); store8(a2, out + d + 16); store8(a3, out + d + 24)
            d += 32
        }
        while d + 8 <= hs {
            var a = SIMD8<Float>()
            for t in 0..<count { a.addProduct(SIMD8(repeating: p[t]), load8(v + t * hs + d)) }
            store8(a, out + d)
            d += 8
        }
        while d < hs {
            var s: Float = 0
            for t in 0..<count { s += p[t] * v[t * hs + d] }
            out[d] = s
            d += 1
        }
    }
}
