import Foundation

/// The gated feed-forward activation: h = silu(gate) * up, with silu(x) = x * sigmoid(x).
public enum SwiGLU {
    /// out[N, F] = silu(gu[N, 0..<F]) * gu[N, F..<2F]   (gu holds gate and up side by side)
    public static func forward(out: UnsafeMutablePointer<Float>, gateUp: UnsafePointer<Float>, rows n: Int, hidden f: Int) {
        for i in 0..<n {
            let g = gateUp + i * 2 * f, u = g + f, h = out + i * f
            for j in 0..<f {
                let sigmoid = 1 / (1 + expf(-g[j]))
                h[j] = g[j] * sigmoid * u[j]
            }
        }
    }

    /// dgu[N, 2F] = d/d(gate, up) given dout[N, F]
    public static func backward(
        dgateUp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, gateUp: UnsafePointer<Float>,
        rows n: Int, hidden f: Int
    ) {
        for i in 0..<n {
            let g = gateUp + i * 2 * f, u = g + f, dy = dout + i * f
            let dg = dgateUp + i * 2 * f, du = dg + f
            for j in 0..<f {
                let sigmoid = 1 / (1 + expf(-g[j]))
                let silu = g[j] * sigmoid
                du[j] = dy[j] * silu
                dg[j] = dy[j] * u[j] * sigmoid * (1 + g[j] * (1 - sigmoid))
            }
        }
    }
}
