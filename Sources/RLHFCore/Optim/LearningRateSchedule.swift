import Foundation

/// Linear warm-up to `peak`, then cosine decay to `peak * minRatio` at `totalSteps`.
public struct LearningRateSchedule: Equatable, Sendable {
    public var peak: Float
    public var warmupSteps: Int
    public var totalSteps: Int
    public var minRatio: Float

    public init(peak: Float, warmupSteps: Int = 0, totalSteps: Int, minRatio: Float = 0.1) {
        self.peak = peak
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
        self.minRatio = minRatio
    }

    /// Learning rate for the 0-based `step`.
    public func rate(at step: Int) -> Float {
        if step < warmupSteps { return peak * Float(step + 1) / Float(warmupSteps) }
        let decaySteps = max(totalSteps - warmupSteps, 1)
        let progress = min(Float(step - warmupSteps) / Float(decaySteps), 1)
        let cosine = 0.5 * (1 + cosf(.pi * progress))
        return peak * (minRatio + (1 - minRatio) * cosine)
    }
}
