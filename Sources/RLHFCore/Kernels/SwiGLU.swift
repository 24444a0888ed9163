import CWideKernels

/// The gated feed-forward activation: h = silu(gate) * up, with silu(x) = x * sigmoid(x).
/// Where the CPU has AVX-512, both directions run their 16-lane versions in `CWideKernels`.
public enum SwiGLU {
    /// out[N, F] = silu(gu[N, 0..<F]) * gu[N, F..<2F]   (gu holds gate and up side by side)
    public static func forward(out: UnsafeMutablePointer<Float>, gateUp: UnsafePointer<Float>, rows n: Int, hidden f: Int) {
        if wideKernels { return rlhf_wide_swiglu_forward(out, gateUp, n, f) }
        for i in 0..<n {
            let g = gateUp + i * 2 * f, u = g + f, h = out + i * f
            var j = 0
            while j + 8 <= f {
                let gv = load8(g + j)
                store8(gv / (1 + exp8(-gv)) * load8(u + j), h + j)
                j += 8
            }
            while j < f {
                h[j] = g[j] / (1 + exp1(-g[j])) * u[j]
                j += 1
            }
        }
    }

    /// dgu[N, 2F] = d/d(gate, up) given dout[N, F]
    public static func backward(
        dgateUp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, gateUp: UnsafePointer<Float>,
        rows n: Int, hidden f: Int
    ) {
        if wideKernels { return rlhf_wide_swiglu_backward(dgateUp, dout, gateUp, n, f) }
        for i in 0..<n {
            let g = gateUp + i * 2 * f, u = g + f, dy = dout + i * f
            let dg = dgateUp + i * 2 * f, du = dg + f
            var j = 0
            while j + 8 <= f {
                let gv = load8(g + j), dyv = load8(dy + j)
                let sigmoid = 1 / (1 + exp8(-gv))
                store8(dyv * gv * sigmoid, du + j)
                store8(dyv * load8(u + j) * sigmoid * (1 + gv * (1 - sigmoid)), dg + j)
                j += 8
            }
            while j < f {
                let sigmoid = 1 / (1 + exp1(-g[j]))
                du[j] = dy[j] * g[j] * sigmoid
                dg[j] = dy[j] * u[j] * sigmoid * (1 + g[j] * (1 - sigmoid))
                j += 1
            }
        }
    }
}
