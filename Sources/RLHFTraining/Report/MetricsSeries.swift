import Foundation

/// One logged value of a metric. A value logged as `null` (NaN or infinite when it was
/// computed) reads as NaN.
public struct MetricPoint: Sendable, Equatable {
    /// The training step (PPO iteration) the value was logged at.
    public var step: Int
    /// The value; NaN where the log holds `null`.
    public var value: Double

    /// A point of `value` logged at `step`.
    public init(step: Int, value: Double) {
        self.step = step
        self.value = value
    }
}

/// The metrics of one run read back from its `metrics.jsonl`: for each metric name, the points
/// in the order they were logged (step order, as `MetricsLog` writes them).
///
/// Numbers become points, `null` becomes a NaN point (so plots show a gap where a run diverged),
/// and the `"nonfinite"` list and values of other JSON types are not metrics and are skipped.
public struct MetricsSeries: Sendable {
    /// Where the metrics were read from, for messages and reports.
    public let source: String
    /// The points of each metric, by metric name.
    public private(set) var points: [String: [MetricPoint]] = [:]

    /// Reads the metrics file at `url`.
    public init(contentsOf url: URL) throws(ReportError) {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw .io(path: url.path, detail: "cannot read the metrics file: \(error.localizedDescription)")
        }
        try self.init(jsonLines: data, source: url.path)
    }

    /// Parses metrics in the `metrics.jsonl` format; `source` names them in errors.
    ///
    /// An unparsable *last* line without a final newline is skipped rather than reported: a run
    /// that is still writing may be caught halfway through a line.
    public init(jsonLines data: Data, source: String) throws(ReportError) {
        self.source = source
        let newline = UInt8(ascii: "\n")
        let blank: Set<UInt8> = [UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r")]
        let lines = data.split(separator: newline, omittingEmptySubsequences: false)
        let endsComplete = data.last == newline
        for (index, line) in lines.enumerated() {
            guard !line.allSatisfy(blank.contains) else { continue }
            let isUnfinished = index == lines.count - 1 && !endsComplete
            do throws(ReportError) {
                try add(line: Data(line), number: index + 1)
            } catch {
                if isUnfinished { continue }
                throw error
            }
        }
    }

    /// The metric names, sorted.
    public var names: [String] { points.keys.sorted() }

    /// The points of `name`, empty when the run never logged it.
    public subscript(name: String) -> [MetricPoint] { points[name] ?? [] }

    /// The first and last step logged, nil for an empty log.
    public var stepRange: ClosedRange<Int>? {
        let steps = points.values.flatMap { $0.map(\.step) }
        guard let first = steps.min(), let last = steps.max() else { return nil }
        return first...last
    }

    private mutating func add(line: Data, number: Int) throws(ReportError) {
        let object: [String: JSONField]
        do {
            object = try JSONDecoder().decode([String: JSONField].self, from: line)
        } catch {
            let excerpt = String(decoding: line.prefix(60), as: UTF8.self)
            throw .invalidMetricsLine(path: source, line: number, detail: "not a JSON object: \(excerpt)")
        }
        guard case .number(let stepValue)? = object["step"], let step = Int(exactly: stepValue) else {
            throw .invalidMetricsLine(path: source, line: number, detail: "no integer \"step\"")
        }
        for (name, field) in object where name != "step" {
            switch field {
            case .number(let value): points[name, default: []].append(MetricPoint(step: step, value: value))
            case .null: points[name, default: []].append(MetricPoint(step: step, value: .nan))
            case .other: continue
            }
        }
    }
}

/// A JSON value as far as metrics care: a number, `null`, or anything else.
private enum JSONField: Decodable {
    case number(Double)
    case null
    case other

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else {
            self = .other
        }
    }
}
