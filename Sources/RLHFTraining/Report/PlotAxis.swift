import Foundation

/// One axis of a plot: the interval it spans and its ticks at round numbers (1, 2 or 5 times a
/// power of ten), with labels short enough for the margin.
struct PlotAxis {
    let lower: Double
    let upper: Double
    let ticks: [Double]
    private let tickStep: Double

    /// An axis over the finite `values`, with about five ticks.
    ///
    /// - Parameters:
    ///   - extendsToTicks: widen the interval to the ticks just outside the data, so a curve
    ///     never touches the frame (the value axis); otherwise span exactly the data (the step
    ///     axis, where lines should run edge to edge).
    ///   - integral: never put ticks between whole numbers (steps).
    init(covering values: [Double], extendsToTicks: Bool, integral: Bool) {
        var low = values.min() ?? 0
        var high = values.max() ?? 1
        if low == high {
            // A single point or a constant series still needs an interval to draw in.
            let pad = integral || low == 0 ? 1 : abs(low) * 0.1
            low -= pad
            high += pad
        }
        var step = Self.roundStep(near: (high - low) / 5)
        if integral { step = max(step, 1) }
        // Ranges beyond the doubles (or below their resolution) get a frame without ticks.
        guard step.isFinite, step > 0 else {
            (lower, upper, ticks, tickStep) = (low, high, [], .infinity)
            return
        }
        if extendsToTicks {
            low = (low / step).rounded(.down) * step
            high = (high / step).rounded(.up) * step
        }
        let first = (low / step - 1e-9).rounded(.up)
        let count = Int(((high / step + 1e-9).rounded(.down) - first)) + 1
        (lower, upper, tickStep) = (low, high, step)
        // Multiplying rather than accumulating keeps 0.1 + 0.2 style error out of the ticks.
        ticks = (0..<max(0, count)).map { index in
            let tick = (first + Double(index)) * step
            return abs(tick) < step * 1e-9 ? 0 : tick
        }
    }

    /// `value`'s coordinate when the axis runs from `start` to `end` (pixels).
    func coordinate(of value: Double, from start: Double, to end: Double) -> Double {
        start + (value - lower) / (upper - lower) * (end - start)
    }

    /// A tick label with as many digits as tell neighbouring ticks apart: `0.25`, `1500`, `3e-5`.
    func label(_ value: Double) -> String {
        if value == 0 { return "0" }
        let stepExponent = Int((log10(tickStep) + 1e-9).rounded(.down))
        let magnitude = max(abs(lower), abs(upper))
        if magnitude >= 1e-3, magnitude < 1e6 {
            return String(format: "%.\(max(0, -stepExponent))f", value)
        }
        let valueExponent = Int((log10(abs(value)) + 1e-9).rounded(.down))
        let text = String(format: "%.\(max(0, valueExponent - stepExponent))e", value)
        // `1.0e-04` → `1e-4`: trailing zeros and the exponent's padding only take room.
        guard let split = text.firstIndex(of: "e"), let exponent = Int(text[text.index(after: split)...]) else { return text }
        var mantissa = text[..<split]
        if mantissa.contains(".") {
            while mantissa.hasSuffix("0") { mantissa.removeLast() }
            if mantissa.hasSuffix(".") { mantissa.removeLast() }
        }
        return "\(mantissa)e\(exponent)"
    }

    /// The round number (1, 2 or 5 times a power of ten) nearest above `raw`.
    private static func roundStep(near raw: Double) -> Double {
        let power = pow(10, (log10(raw)).rounded(.down))
        let fraction = raw / power
        let factor: Double = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10
        return factor * power
    }
}
