/// Global-norm gradient clipping over the flat gradient buffer.
public enum GradientClipping {
    /// The L2 norm of the whole buffer (accumulated in Double).
    public static func globalNorm(_ gradients: FloatBuffer) -> Float {
        let g = gradients.pointer
        var sum = 0.0
        var i = 0
        while i < gradients.count {
            let end = min(i + 4096, gradients.count)
            sum += Double(dot(g + i, g + i, end - i))
            i = end
        }
        return Float(sum.squareRoot())
    }

    /// Scales the gradients so that their global norm is at most `maxNorm`; returns the norm
    /// before clipping (what training logs as `train/grad_norm`).
    @discardableResult
    public static func clip(_ gradients: FloatBuffer, maxNorm: Float) -> Float {
        let norm = globalNorm(gradients)
        if norm > maxNorm, norm.isFinite {
            let scale = maxNorm / (norm + 1e-6)
            let g = gradients.pointer
            for i in 0..<gradients.count { g[i] *= scale }
        }
        return norm
    }
}
