import Foundation

/// Appends one JSON object per step to a `metrics.jsonl` file (see `MetricsLine` for the format).
///
/// Each line is handed to the operating system as soon as it is logged, so `tail -f` and
/// plotting scripts see it at once and a crash loses nothing already logged.
public final class MetricsLog {
    /// The log file.
    public let url: URL
    private let handle: FileHandle

    /// Opens the log at `url`.
    ///
    /// - Parameter resumeFromStep: the step of the checkpoint a resumed run starts from: lines
    ///   of later steps (logged after that checkpoint, before the interruption) are removed,
    ///   by an atomic rewrite, so the resumed run does not log those steps twice. Lines that
    ///   are not valid JSON (a line cut short by a crash) are removed too. Nil starts a new
    ///   log, replacing any existing file.
    public init(url: URL, resumeFromStep: Int?) throws(MetricsError) {
        self.url = url
        let fileManager = FileManager.default
        let kept: Data
        if let resumeFromStep, fileManager.fileExists(atPath: url.path) {
            do {
                kept = Self.lines(of: try Data(contentsOf: url), upTo: resumeFromStep)
            } catch {
                throw .io(path: url.path, detail: "cannot read: \(error.localizedDescription)")
            }
        } else {
            kept = Data()
        }
        do {
            try fileManager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try kept.write(to: url, options: .atomic)
            handle = try FileHandle(forWritingTo: url)
            try handle.seekToEnd()
        } catch {
            throw .io(path: url.path, detail: "cannot open for writing: \(error.localizedDescription)")
        }
    }

    deinit {
        try? handle.close()
    }

    /// Appends the metrics of `step`. `values` must not use the keys `step` or `nonfinite`.
    public func log(step: Int, _ values: [String: Double]) throws(MetricsError) {
        precondition(values["step"] == nil && values["nonfinite"] == nil, "\"step\" and \"nonfinite\" are reserved metric names")
        let line = MetricsLine.encode(step: step, values: values) + "\n"
        do {
            try handle.write(contentsOf: Data(line.utf8))
        } catch {
            throw .io(path: url.path, detail: "cannot append: \(error.localizedDescription)")
        }
    }

    /// The complete JSON lines of `data` whose `step` is at most `lastStep`.
    private static func lines(of data: Data, upTo lastStep: Int) -> Data {
        var kept = Data()
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                  let step = object["step"] as? Int,
                  step <= lastStep
            else { continue }
            kept.append(contentsOf: line)
            kept.append(UInt8(ascii: "\n"))
        }
        return kept
    }
}
