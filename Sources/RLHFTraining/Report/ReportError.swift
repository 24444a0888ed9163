/// A run report or TensorBoard export that cannot be made. Each case names the file at fault
/// and says what to change.
public enum ReportError: Error, Equatable, CustomStringConvertible {
    /// The operating system refused to read, create or write `path`.
    case io(path: String, detail: String)
    /// Line `line` (1-based) of a metrics file is not a metrics object with an integer `step`.
    case invalidMetricsLine(path: String, line: Int, detail: String)
    /// A row of a report table has a different number of cells than the table has columns.
    case raggedTable(title: String, row: Int, cells: Int, columns: Int)
    /// A comparison was asked for with no runs to compare.
    case noRuns(stage: String)

    public var description: String {
        switch self {
        case .io(let path, let detail):
            "\(path): \(detail)"
        case .invalidMetricsLine(let path, let line, let detail):
            "\(path) line \(line): \(detail) (each line must be one JSON object such as {\"step\": 3, \"train/loss\": 1.25})"
        case .raggedTable(let title, let row, let cells, let columns):
            "table \"\(title)\": row \(row) has \(cells) cells but the table has \(columns) columns (give every row one cell per column)"
        case .noRuns(let stage):
            "stage \"\(stage)\": a comparison needs at least one run (pass one (label, metrics.jsonl) pair per run)"
        }
    }
}
