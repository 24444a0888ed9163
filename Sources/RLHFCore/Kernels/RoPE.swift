import CWideKernels
import Foundation

/// Rotary position embedding in Hugging Face's "rotate_half" convention: element i of each head
/// is paired with element i + HS/2 and rotated by pos * theta^(-2i/HS).
public struct RoPE: Sendable {
    public let headDim: Int
    public let maxPositions: Int
    /// cos and sin tables [maxPositions, HS/2].
    private let cosTable: [Float]
    private let sinTable: [Float]

    public init(headDim: Int, maxPositions: Int, theta: Float) {
        self.headDim = headDim
        self.maxPositions = maxPositions
        let half = headDim / 2
        var cosines = [Float](repeating: 0, count: maxPositions * half)
        var sines = cosines
        for i in 0..<half {
            // Float32 inverse frequencies and angles, as transformers computes them.
            let invFreq = 1 / powf(theta, Float(2 * i) / Float(headDim))
            for pos in 0..<maxPositions {
                let angle = Double(Float(pos) * invFreq)
                cosines[pos * half + i] = Float(cos(angle))
                sines[pos * half + i] = Float(sin(angle))
            }
        }
        cosTable = cosines
        sinTable = sines
    }

    /// Rotates heads in place: x[N, heads * HS] with row stride `stride`, row n at position
    /// positions[n]. `inverse` rotates by the negative angle, which is the backward pass
    /// (the rotation is orthogonal, so its gradient is its transpose).
    public func apply(
        _ x: UnsafeMutablePointer<Float>, rows n: Int, heads: Int, stride: Int,
        positions: UnsafePointer<Int32>, inverse: Bool = false
    ) {
        let half = headDim / 2
        let sign: Float = inverse ? -1 : 1
        cosTable.withUnsafeBufferPointer { cosBuffer in
            sinTable.withUnsafeBufferPointer { sinBuffer in
                if wideKernels {
                    return rlhf_wide_rope(x, n, heads, headDim, stride, positions, cosBuffer.baseAddress!,
                                          sinBuffer.baseAddress!, sign)
                }
                for row in 0..<n {
                    let pos = Int(positions[row])
                    let cs = cosBuffer.baseAddress! + pos * half
                    let sn = sinBuffer.baseAddress! + pos * half
                    for h in 0..<heads {
                        let v = x + row * stride + h * headDim
                        for i in 0..<half {
                            let a = v[i], b = v[i + half]
                            let s = sign * sn[i]
                            v[i] = a * cs[i] - b * s
                            v[i + half] = b * cs[i] + a * s
                        }
                    }
                }
            }
        }
    }

    /// forward: q, k[N, heads * HS] rotated at their positions
    public func forward(
        _ x: UnsafeMutablePointer<Float>, rows n: Int, heads: Int, stride: Int, positions: UnsafePointer<Int32>
    ) {
        apply(x, rows: n, heads: heads, stride: stride, positions: positions)
    }

    /// backward: dq, dk[N, heads * HS] rotated back in place
    public func backward(
        _ dx: UnsafeMutablePointer<Float>, rows n: Int, heads: Int, stride: Int, positions: UnsafePointer<Int32>
    ) {
        apply(dx, rows: n, heads: heads, stride: stride, positions: positions, inverse: true)
    }
}
