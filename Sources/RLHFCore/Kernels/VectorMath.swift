import CWideKernels

// Vectorised elementwise helpers shared by the kernels. SIMD8 maps onto AVX registers; the
// scalar tails handle lengths that are not multiples of 8.

@inline(__always)
func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always)
func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
}

/// The first `count` (< 8) floats at p in the low lanes, zeros above: a vector load that reads
/// nothing past the end of a row.
@inline(__always)
func loadPrefix(_ p: UnsafePointer<Float>, _ count: Int) -> SIMD8<Float> {
    var v = SIMD8<Float>()
    for lane in 0..<count { v[lane] = p[lane] }
    return v
}

/// Stores the low `count` (< 8) lanes of v at p.
@inline(__always)
func storePrefix(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>, _ count: Int) {
    for lane in 0..<count { p[lane] = v[lane] }
}

/// e^x for 8 lanes: Cephes-style range reduction x = n ln2 + r and a degree-6 polynomial,
/// accurate to about 2 ulp over the float range (libm's scalar expf is the bottleneck of
/// softmax over a 32k vocabulary otherwise). n is rounded with the 1.5 * 2^23 trick, whose
/// bit pattern then holds n as an integer: generic SIMD float-to-int conversions are slow.
@inline(__always)
func exp8(_ input: SIMD8<Float>) -> SIMD8<Float> {
    let magic = SIMD8<Float>(repeating: 12_582_912)
    var x = input
    x.replace(with: SIMD8(repeating: -87.33654), where: x .< -87.33654)
    x.replace(with: SIMD8(repeating: 88.37626), where: x .> 88.37626)
    let shifted = x * 1.442695041 + magic
    let n = shifted - magic
    var r = x - n * 0.693359375
    r = r + n * 2.12194440e-4
    var p = SIMD8<Float>(repeating: 1.9875691500e-4)
    p = p * r + 1.3981999507e-3
    p = p * r + 8.3334519073e-3
    p = p * r + 4.1665795894e-2
    p = p * r + 1.6666665459e-1
    p = p * r + 5.0000001201e-1
    let poly = p * (r * r) + r + 1
    let integer = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000
    let scale = (integer &+ 127) &<< 23
    return poly * unsafeBitCast(scale, to: SIMD8<Float>.self)
}

/// Scalar e^x with the same polynomial as `exp8`, for tails, so that results do not depend
/// on where a row is split into vectors.
@inline(__always)
func exp1(_ x: Float) -> Float {
    exp8(SIMD8(repeating: x))[0]
}

/// [a0.sum(), a1.sum(), ..., a7.sum()]: eight horizontal reductions as a tree of 7 vector adds
/// (pairwise sums of neighbouring lanes, three times), instead of 8 separate shuffle chains.
@inline(__always)
func horizontalSums(
    _ a0: SIMD8<Float>, _ a1: SIMD8<Float>, _ a2: SIMD8<Float>, _ a3: SIMD8<Float>,
    _ a4: SIMD8<Float>, _ a5: SIMD8<Float>, _ a6: SIMD8<Float>, _ a7: SIMD8<Float>
) -> SIMD8<Float> {
    @inline(__always)
    func pairSums(_ x: SIMD8<Float>, _ y: SIMD8<Float>) -> SIMD8<Float> {
        SIMD8(lowHalf: x.evenHalf + x.oddHalf, highHalf: y.evenHalf + y.oddHalf)
    }
    let quads0 = pairSums(pairSums(a0, a1), pairSums(a2, a3))
    let quads1 = pairSums(pairSums(a4, a5), pairSums(a6, a7))
    return pairSums(quads0, quads1)
}

/// Whether the AVX-512 versions of the kernels (`CWideKernels`) run on this machine: `maxOf`,
/// `expShifted`, `SmallGemm`, `SwiGLU` and attention's softmax rows go 16 lanes at a time there,
/// attention's products by a head of 8 take two positions per vector, and decoding's panels are
/// 32 wide.
let wideKernels = rlhf_wide_kernels_available() != 0

/// Floats per vector in the kernels that do not go through BLAS (attention, softmax rows): 16
/// where their AVX-512 versions run, 8 where the SIMD8 ones do (no AVX-512, or
/// `RLHF_WIDE_KERNELS=0` in the environment).
public var kernelVectorWidth: Int { wideKernels ? 16 : 8 }

/// Maximum of `x[0..<n]`, n >= 1.
@inline(__always)
func maxOf(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
    wideKernels ? rlhf_wide_max(x, n) : maxOf8(x, n)
}

/// `maxOf` on SIMD8 vectors.
@inline(__always)
func maxOf8(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
    // A compare and blend per vector: the standard library's generic pointwiseMax and max()
    // are not inlined.
    var m = SIMD8<Float>(repeating: -.infinity)
    var i = 0
    while i + 8 <= n {
        let v = load8(x + i)
        m.replace(with: v, where: v .> m)
        i += 8
    }
    var result = m[0]
    for lane in 1..<8 where m[lane] > result { result = m[lane] }
    while i < n { result = max(result, x[i]); i += 1 }
    return result
}

/// out[i] = exp(scale * x[i] - shift); returns the sum of out.
@inline(__always)
func expShifted(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int,
                scale: Float, shift: Float) -> Float {
    wideKernels
        ? rlhf_wide_exp_shifted(x, out, n, scale, shift) : expShifted8(x, out, n, scale: scale, shift: shift)
}

/// `expShifted` on SIMD8 vectors.
@inline(__always)
func expShifted8(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int,
                 scale: Float, shift: Float) -> Float {
    var i = 0
    var acc = SIMD8<Float>(repeating: 0)
    while i + 8 <= n {
        let e = exp8(load8(x + i) * scale - shift)
        store8(e, out + i)
        acc += e
        i += 8
    }
    var sum = acc.sum()
    guard i < n else { return sum }
    // The tail as one vector (an exp8 per element costs as much as the body of a short row),
    // summed lane by lane in order.
    let tail = n - i
    let e = exp8(loadPrefix(x + i, tail) * scale - shift)
    storePrefix(e, out + i, tail)
    for lane in 0..<tail { sum += e[lane] }
    return sum
}

/// Sum of x[i] * y[i].
@inline(__always)
func dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ n: Int) -> Float {
    var i = 0
    var acc = SIMD8<Float>(repeating: 0)
    while i + 8 <= n { acc += load8(x + i) * load8(y + i); i += 8 }
    var sum = acc.sum()
    while i < n { sum += x[i] * y[i]; i += 1 }
    return sum
}

/// y[i] += a * x[i].
@inline(__always)
func axpy(_ a: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
    var i = 0
    while i + 8 <= n { store8(load8(y + i) + a * load8(x + i), y + i); i += 8 }
    while i < n { y[i] += a * x[i]; i += 1 }
}
