import Foundation

/// One stage of a run report: its metrics plotted by `MetricGroup`, and every metric's summary
/// statistics in a table. With several runs, each plot overlays the runs' curves.
struct StageSection: Sendable {
    let name: String
    let runs: [(label: String, metrics: MetricsSeries)]

    /// The section as HTML, with `id` as its anchor.
    func html(id: String) -> String {
        var html = #"<section id="\#(id)"><h2>\#(name.markupEscaped)</h2>"#
        for run in runs {
            let steps = run.metrics.stepRange.map { "steps \($0.lowerBound)–\($0.upperBound)" } ?? "no steps logged"
            let label = runs.count > 1 ? "<b>\(run.label.markupEscaped)</b>: " : ""
            html += #"<p class="source">\#(label)<code>\#(run.metrics.source.markupEscaped)</code> · \#(steps)</p>"#
        }
        let plots = plots()
        if !plots.isEmpty {
            html += #"<div class="plots">"# + plots.map { $0.render() }.joined() + "</div>"
        }
        let table = metricsTable()
        if !table.rows.isEmpty {
            html += "<details><summary>Every metric (\(table.rows.count) rows)</summary>"
            html += htmlTable(columns: table.columns, rows: table.rows, className: "metrics") + "</details>"
        }
        return html + "</section>"
    }

    /// One plot per `MetricGroup` that any run has a metric of.
    ///
    /// Series are styled so that a comparison reads at a glance: with one run, colour tells the
    /// metrics apart; comparing runs on a one-metric plot, colour tells the runs apart; comparing
    /// runs on a several-metric plot, colour is the metric and the dash pattern the run.
    private func plots() -> [SVGPlot] {
        let available = Set(runs.flatMap(\.metrics.names))
        let dashes: [SVGPlot.Dash] = [.solid, .dashed, .dotted]
        return MetricGroup.standard.compactMap { group in
            let members = group.select(from: available)
            var series: [SVGPlot.Series] = []
            for (runIndex, run) in runs.enumerated() {
                for (memberIndex, member) in members.enumerated() {
                    let points = run.metrics[member.key].map { (x: Double($0.step), y: $0.value) }
                    guard !points.isEmpty else { continue }
                    if runs.count == 1 {
                        series.append(.init(name: member.name, points: points, colorIndex: memberIndex))
                    } else if members.count == 1 {
                        series.append(.init(name: run.label, points: points, colorIndex: runIndex))
                    } else {
                        series.append(.init(name: "\(run.label): \(member.name)", points: points,
                                            colorIndex: memberIndex, dash: dashes[runIndex % dashes.count]))
                    }
                }
            }
            return series.isEmpty ? nil : SVGPlot(title: group.title, xLabel: "step", yLabel: group.yLabel, series: series)
        }
    }

    /// Per metric (and run, when comparing): how many points, the first and last value, and the
    /// finite minimum and maximum.
    private func metricsTable() -> (columns: [String], rows: [[String]]) {
        let comparing = runs.count > 1
        let columns = ["metric"] + (comparing ? ["run"] : []) + ["points", "first", "last", "min", "max"]
        var rows: [[String]] = []
        for name in Set(runs.flatMap(\.metrics.names)).sorted() {
            for run in runs {
                let points = run.metrics[name]
                guard let first = points.first, let last = points.last else { continue }
                let finite = points.map(\.value).filter(\.isFinite)
                let extremes = [finite.min(), finite.max()].map { $0.map(Self.format) ?? "–" }
                rows.append([name] + (comparing ? [run.label] : []) + ["\(points.count)", Self.format(first.value), Self.format(last.value)] + extremes)
            }
        }
        return (columns, rows)
    }

    /// Six significant digits: enough to compare runs, short enough for a table.
    private static func format(_ value: Double) -> String {
        value.isNaN ? "NaN" : String(format: "%.6g", value)
    }
}
