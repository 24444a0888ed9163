import Foundation

/// A self-contained HTML page about a training run: a title, a summary table of key figures,
/// one section of plots per stage (optionally overlaying several runs, such as with and without
/// the KL penalty), and tables of sample responses.
///
/// The page needs nothing but itself: styles are inline, plots are inline SVG, there are no
/// scripts and no external references, so it can be mailed, archived or opened offline.
///
/// ```swift
/// var report = RunReport(title: "stories260K: SFT → RM → PPO")
/// report.addSummary([("final score", "1.42"), ("KL", "0.031")])
/// try report.addStage(name: "sft", metrics: URL(fileURLWithPath: "runs/sft/metrics.jsonl"))
/// try report.addComparison(name: "ppo", runs: [("with KL", withKL), ("without KL", withoutKL)])
/// try report.addSamples(title: "Samples", columns: ["prompt", "SFT", "PPO"], rows: rows)
/// try report.write(to: URL(fileURLWithPath: "runs/report.html"))
/// ```
public struct RunReport: Sendable {
    /// The page title and top heading.
    public var title: String
    private var summary: [(label: String, value: String)] = []
    private var sections: [Section] = []

    private enum Section: Sendable {
        case stage(StageSection)
        case table(title: String, columns: [String], rows: [[String]])

        var heading: String {
            switch self {
            case .stage(let stage): stage.name
            case .table(let title, _, _): title
            }
        }
    }

    /// An empty report titled `title`.
    public init(title: String) {
        self.title = title
    }

    /// Appends rows of key figures to the summary table at the top of the page.
    public mutating func addSummary(_ rows: [(label: String, value: String)]) {
        summary += rows
    }

    /// Appends a section with the plots of the metrics in `metrics` (a `metrics.jsonl`).
    public mutating func addStage(name: String, metrics: URL) throws(ReportError) {
        try addComparison(name: name, runs: [(label: name, metrics: metrics)])
    }

    /// Appends a section that overlays, on each plot, the same metric of several runs, each
    /// named by its label in the legends.
    public mutating func addComparison(name: String, runs: [(label: String, metrics: URL)]) throws(ReportError) {
        guard !runs.isEmpty else { throw .noRuns(stage: name) }
        var loaded: [(label: String, metrics: MetricsSeries)] = []
        for run in runs {
            loaded.append((run.label, try MetricsSeries(contentsOf: run.metrics)))
        }
        sections.append(.stage(StageSection(name: name, runs: loaded)))
    }

    /// Appends a table, typically prompts with responses before and after training; text is
    /// shown as given, line breaks included, and never interpreted as markup.
    public mutating func addSamples(title: String, columns: [String], rows: [[String]]) throws(ReportError) {
        if let ragged = rows.firstIndex(where: { $0.count != columns.count }) {
            throw .raggedTable(title: title, row: ragged + 1, cells: rows[ragged].count, columns: columns.count)
        }
        sections.append(.table(title: title, columns: columns, rows: rows))
    }

    /// The page: summary first, then the sections in the order they were added.
    public func html() -> String {
        let ids = sections.indices.map { "section-\($0 + 1)" }
        var body = "<h1>\(title.markupEscaped)</h1>"
        var links = summary.isEmpty ? [] : [##"<a href="#summary">Summary</a>"##]
        links += zip(sections, ids).map { section, id in ##"<a href="#\##(id)">\##(section.heading.markupEscaped)</a>"## }
        if links.count > 1 {
            body += "<nav>" + links.joined(separator: " · ") + "</nav>"
        }
        if !summary.isEmpty {
            body += #"<section id="summary"><h2>Summary</h2><table class="summary"><tbody>"#
            body += summary.map { "<tr><th>\($0.label.markupEscaped)</th><td>\($0.value.markupEscaped)</td></tr>" }.joined()
            body += "</tbody></table></section>"
        }
        for (section, id) in zip(sections, ids) {
            switch section {
            case .stage(let stage):
                body += stage.html(id: id)
            case .table(let title, let columns, let rows):
                body += #"<section id="\#(id)"><h2>\#(title.markupEscaped)</h2>"#
                body += htmlTable(columns: columns, rows: rows, className: "samples") + "</section>"
            }
        }
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(title.markupEscaped)</title>
            <style>\(Self.style)</style>
            </head>
            <body><main>
            \(body)
            </main></body>
            </html>

            """
    }

    /// Writes the page to `url` atomically, creating its directory.
    public func write(to url: URL) throws(ReportError) {
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(html().utf8).write(to: url, options: .atomic)
        } catch {
            throw .io(path: url.path, detail: "cannot write the report: \(error.localizedDescription)")
        }
    }

    private static let style = """
        body { margin: 0; background: #f6f7f9; color: #222; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; }
        main { max-width: 1200px; margin: 0 auto; padding: 24px; }
        h1 { font-size: 26px; margin: 0 0 8px; }
        h2 { font-size: 20px; margin: 0 0 8px; }
        nav { margin-bottom: 16px; }
        a { color: #2f5f8f; }
        section { background: #fff; border: 1px solid #e1e4e8; border-radius: 8px; padding: 16px 20px; margin: 16px 0; }
        .source { margin: 0 0 4px; color: #555; font-size: 13px; }
        .plots { display: grid; grid-template-columns: repeat(auto-fill, minmax(480px, 1fr)); gap: 12px; margin-top: 12px; }
        svg.plot { width: 100%; height: auto; border: 1px solid #eee; border-radius: 4px; }
        details { margin-top: 12px; overflow-x: auto; }
        summary { cursor: pointer; color: #2f5f8f; }
        table { border-collapse: collapse; font-size: 14px; margin-top: 8px; }
        th, td { border-bottom: 1px solid #e5e7eb; padding: 5px 12px 5px 0; text-align: left; vertical-align: top; }
        thead th { border-bottom: 2px solid #ccd; }
        table.summary th { font-weight: 600; padding-right: 32px; }
        table.metrics td:not(:first-child) { font-variant-numeric: tabular-nums; }
        table.samples { width: 100%; table-layout: fixed; }
        table.samples td { white-space: pre-wrap; overflow-wrap: anywhere; }
        code { font-size: 13px; }
        """
}
