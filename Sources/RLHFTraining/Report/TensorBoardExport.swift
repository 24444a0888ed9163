import Foundation

/// Converts a run's `metrics.jsonl` into one TensorBoard event file in `directory`, so that
/// `tensorboard --logdir <directory>` shows every metric under its own tag (`train/loss`, ...).
///
/// Values are written in step order, each metric under its name; a value logged as `null`
/// (non-finite) is written as NaN, so the point counts match the log. The log holds no wall
/// times, so every event gets the time of the export.
///
/// `directory` belongs to the export (such as `runs/<name>/tensorboard`): event files already
/// in it are removed once the new one is complete, so exporting again after more steps
/// replaces the earlier export instead of showing every point twice.
///
/// - Returns: the event file written.
@discardableResult
public func exportTensorBoard(metrics: URL, to directory: URL) throws(ReportError) -> URL {
    let series = try MetricsSeries(contentsOf: metrics)
    let scalars = series.points
        .flatMap { tag, points in points.map { (step: $0.step, tag: tag, value: $0.value) } }
        .sorted { ($0.step, $0.tag) < ($1.step, $1.tag) }
    let wallTime = Date().timeIntervalSince1970
    let writer = try TensorBoardWriter(directory: directory, wallTime: wallTime)
    for scalar in scalars {
        try writer.add(step: scalar.step, tag: scalar.tag, value: scalar.value, wallTime: wallTime)
    }
    try writer.close()
    try removeEventFiles(in: directory, except: writer.url)
    return writer.url
}

/// Removes the TensorBoard event files of `directory` other than `kept`.
private func removeEventFiles(in directory: URL, except kept: URL) throws(ReportError) {
    let fileManager = FileManager.default
    do {
        for name in try fileManager.contentsOfDirectory(atPath: directory.path)
        where name.hasPrefix("events.out.tfevents.") && name != kept.lastPathComponent {
            try fileManager.removeItem(at: directory.appendingPathComponent(name))
        }
    } catch {
        throw .io(path: directory.path, detail: "cannot remove an earlier export's event file: \(error.localizedDescription)")
    }
}
