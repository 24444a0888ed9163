import CWideKernels

/// Root-mean-square layer norm: y = w * x / sqrt(mean(x^2) + eps). Where the CPU has AVX-512,
/// both directions run their 16-lane versions in `CWideKernels` (Swift's loops stay scalar).
public enum RMSNorm {
    /// out[N, C], rstd[N] = rmsnorm(inp[N, C]; weight[C])
    public static func forward(
        out: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
        weight: UnsafePointer<Float>, rows n: Int, dim c: Int, eps: Float
    ) {
        if wideKernels { return rlhf_wide_rmsnorm_forward(out, rstd, inp, weight, n, c, eps) }
        for i in 0..<n {
            let x = inp + i * c, y = out + i * c
            let meanSquare = dot(x, x, c) / Float(c)
            let r = 1 / (meanSquare + eps).squareRoot()
            rstd[i] = r
            for j in 0..<c { y[j] = x[j] * r * weight[j] }
        }
    }

    /// dinp[N, C] += d/dx;  dweight[C] += sum_n dout * x * rstd
    ///
    /// With g = w * dout: dx = rstd * g - x * rstd^3 * mean(g * x).
    public static func backward(
        dinp: UnsafeMutablePointer<Float>, dweight: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
        inp: UnsafePointer<Float>, weight: UnsafePointer<Float>, rstd: UnsafePointer<Float>,
        rows n: Int, dim c: Int
    ) {
        if wideKernels { return rlhf_wide_rmsnorm_backward(dinp, dweight, dout, inp, weight, rstd, n, c) }
        for i in 0..<n {
            let x = inp + i * c, dy = dout + i * c, dx = dinp + i * c
            let r = rstd[i]
            // Eight partial sums: a sum in one chain stays scalar (the compiler may not reorder it).
            var sums = SIMD8<Float>()
            var j = 0
            while j + 8 <= c {
                sums.addProduct(load8(weight + j) * load8(dy + j), load8(x + j))
                j += 8
            }
            var gx = sums.sum()
            while j < c { gx += weight[j] * dy[j] * x[j]; j += 1 }
            let k = r * r * r * gx / Float(c)
            for j in 0..<c {
                dx[j] += r * weight[j] * dy[j] - k * x[j]
                dweight[j] += dy[j] * x[j] * r
            }
        }
    }
}
