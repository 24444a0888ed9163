import Foundation

/// The one-line progress report a trainer prints every few steps:
/// `step 120/1000 | loss 2.3456 | lr 3.0e-04 | 15.2k tok/s | ETA 4m12s`.
///
/// Values are shown in the order given and formatted by name: `lr` (and names ending in
/// `_lr` or `/lr`) in scientific notation, rates (names ending in `/s`) with a k/M/G suffix
/// before the name, everything else with four decimals.
public struct ProgressLine: Sendable, CustomStringConvertible {
    /// The step just completed.
    public var step: Int
    /// The step the run ends at.
    public var totalSteps: Int
    /// Seconds since `startStep` (the run's start, or the step it resumed from).
    public var elapsed: Double
    /// The step the timing started from, so a resumed run's ETA uses only its own speed.
    public var startStep: Int
    /// Named values in display order.
    public var values: [(name: String, value: Double)]

    public init(step: Int, totalSteps: Int, elapsed: Double, startStep: Int = 0, values: KeyValuePairs<String, Double> = [:]) {
        self.step = step
        self.totalSteps = totalSteps
        self.elapsed = elapsed
        self.startStep = startStep
        self.values = values.map { (name: $0.key, value: $0.value) }
    }

    public var description: String {
        var parts = ["step \(step)/\(totalSteps)"]
        for (name, value) in values {
            parts.append(Self.format(name: name, value: value))
        }
        parts.append("ETA " + eta)
        return parts.joined(separator: " | ")
    }

    /// Remaining time at the average speed since `startStep`, or `--` before any step is timed.
    private var eta: String {
        let done = step - startStep
        guard done > 0, elapsed.isFinite, elapsed >= 0 else { return "--" }
        let remaining = Double(max(0, totalSteps - step)) * elapsed / Double(done)
        return Self.duration(remaining)
    }

    private static func format(name: String, value: Double) -> String {
        guard value.isFinite else { return "\(name) \(value)" }
        if name == "lr" || name.hasSuffix("_lr") || name.hasSuffix("/lr") {
            return "\(name) " + String(format: "%.1e", value)
        }
        if name.hasSuffix("/s") {
            return si(value) + " " + name
        }
        return "\(name) " + String(format: "%.4f", value)
    }

    /// `950`, `15.2k`, `3.4M`, `1.2G`.
    private static func si(_ value: Double) -> String {
        let magnitude = abs(value)
        switch magnitude {
        case 1e9...: return String(format: "%.1fG", value / 1e9)
        case 1e6...: return String(format: "%.1fM", value / 1e6)
        case 1e3...: return String(format: "%.1fk", value / 1e3)
        default: return String(format: "%.0f", value)
        }
    }

    /// `42s`, `4m12s`, `2h05m`, `3d04h`: the two largest units, enough for a glance.
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds < 1e12 else { return "--" }
        let total = Int(seconds.rounded())
        let (days, hours, minutes, secs) = (total / 86_400, total / 3600 % 24, total / 60 % 60, total % 60)
        func padded(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        if days > 0 { return "\(days)d\(padded(hours))h" }
        if hours > 0 { return "\(hours)h\(padded(minutes))m" }
        if minutes > 0 { return "\(minutes)m\(padded(secs))s" }
        return "\(secs)s"
    }
}
