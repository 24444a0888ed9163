import Foundation

/// A line chart rendered as an inline SVG element, for embedding in an HTML page.
///
/// It draws a frame with a light grid, ticks at round numbers on both axes, axis labels, a
/// title and a legend, and one `<path>` per series. Non-finite values leave a gap in their
/// line; a point with no finite neighbour is drawn as a dot, so a single point is visible.
/// Above a few points per pixel column a series is thinned to each column's first, lowest,
/// highest and last point, which draws the same picture from a bounded amount of markup.
/// All text is escaped. The element has no `xmlns` attribute: HTML does not need it (save it
/// as a standalone `.svg` file only after adding one).
public struct SVGPlot: Sendable {
    /// One line of the chart.
    public struct Series: Sendable {
        /// The legend entry.
        public var name: String
        /// The points, drawn in order; non-finite coordinates break the line.
        public var points: [(x: Double, y: Double)]
        /// The palette colour to use; nil takes the series' position in the chart.
        public var colorIndex: Int?
        /// The stroke pattern.
        public var dash: Dash

        /// A line named `name` through `points`.
        public init(name: String, points: [(x: Double, y: Double)], colorIndex: Int? = nil, dash: Dash = .solid) {
            self.name = name
            self.points = points
            self.colorIndex = colorIndex
            self.dash = dash
        }
    }

    /// A line's stroke pattern, to tell apart series that share a colour.
    public enum Dash: Sendable {
        case solid, dashed, dotted
    }

    /// The heading above the plot.
    public var title: String
    /// The label under the horizontal axis.
    public var xLabel: String
    /// The label beside the vertical axis.
    public var yLabel: String
    /// The lines, drawn in order (later ones on top) and listed in the legend in that order.
    public var series: [Series]

    /// A chart of `series` with the given texts; nothing is computed until `render`.
    public init(title: String, xLabel: String, yLabel: String, series: [Series]) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
    }

    /// The chart as an `<svg>` element of `width` by `height` pixels (at least 240 by 160).
    /// A legend too long for one row makes the element taller by its extra rows, so that many
    /// series do not squeeze the plotting area.
    public func render(width: Int = 560, height: Int = 300) -> String {
        let width = Double(max(width, 240))
        let legend = legendLayout(width: width)
        let height = Double(max(height, 160)) + max(0, legend.height - Self.legendRowHeight)
        let frame = (left: 72.0, right: width - 16, top: 34 + legend.height + 6, bottom: height - 42)

        let finite = series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite }
        let integralX = finite.allSatisfy { $0.x == $0.x.rounded() }
        let xAxis = PlotAxis(covering: finite.map(\.x), extendsToTicks: false, integral: integralX)
        let yAxis = PlotAxis(covering: finite.map(\.y), extendsToTicks: true, integral: false)
        let project = { (point: (x: Double, y: Double)) in
            (x: xAxis.coordinate(of: point.x, from: frame.left, to: frame.right),
             y: yAxis.coordinate(of: point.y, from: frame.bottom, to: frame.top))
        }

        var svg = ##"<svg class="plot" viewBox="0 0 \##(Int(width)) \##(Int(height))" width="\##(Int(width))" height="\##(Int(height))" role="img" aria-label="\##(title.markupEscaped)" font-family="system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif">"##
        svg += ##"<rect width="100%" height="100%" fill="#ffffff"/>"##
        svg += text(title, x: width / 2, y: 20, anchor: "middle", size: 14, extra: ##" font-weight="600" fill="#222""##)
        svg += legend.markup

        for tick in xAxis.ticks {
            let x = xAxis.coordinate(of: tick, from: frame.left, to: frame.right)
            svg += line(x, frame.top, x, frame.bottom, color: "#ebebeb")
            svg += line(x, frame.bottom, x, frame.bottom + 4, color: "#999999")
            svg += text(xAxis.label(tick), x: x, y: frame.bottom + 17, anchor: "middle", size: 11, extra: ##" fill="#555""##)
        }
        for tick in yAxis.ticks {
            let y = yAxis.coordinate(of: tick, from: frame.bottom, to: frame.top)
            svg += line(frame.left, y, frame.right, y, color: "#ebebeb")
            svg += line(frame.left - 4, y, frame.left, y, color: "#999999")
            svg += text(yAxis.label(tick), x: frame.left - 7, y: y + 4, anchor: "end", size: 11, extra: ##" fill="#555""##)
        }
        svg += ##"<rect x="\##(f(frame.left))" y="\##(f(frame.top))" width="\##(f(frame.right - frame.left))" height="\##(f(frame.bottom - frame.top))" fill="none" stroke="#bbbbbb"/>"##
        svg += text(xLabel, x: (frame.left + frame.right) / 2, y: height - 8, anchor: "middle", size: 12, extra: ##" fill="#333""##)
        let yMiddle = (frame.top + frame.bottom) / 2
        svg += text(yLabel, x: 15, y: yMiddle, anchor: "middle", size: 12, extra: ##" fill="#333" transform="rotate(-90 15 \##(f(yMiddle)))""##)

        if finite.isEmpty {
            svg += text("no finite values", x: (frame.left + frame.right) / 2, y: yMiddle, anchor: "middle", size: 12, extra: ##" fill="#888""##)
        }
        for (index, entry) in series.enumerated() {
            let style = stroke(of: entry, at: index)
            let pixels = entry.points.map(project)
            // Sparse points, such as an evaluation every few hundred steps, are measurements
            // rather than a trace: each gets a dot so the reader sees where they were taken.
            let isSparse = pixels.filter { $0.x.isFinite && $0.y.isFinite }.count * 16 <= Int(frame.right - frame.left)
            let path = Self.path(through: pixels, dotsEveryPoint: isSparse)
            svg += ##"<path d="\##(path.commands)" fill="none" stroke-width="1.8" stroke-linejoin="round" stroke-linecap="round"\##(style)><title>\##(entry.name.markupEscaped)</title></path>"##
            for dot in path.dots {
                svg += ##"<circle cx="\##(f(dot.x))" cy="\##(f(dot.y))" r="2.5" fill="\##(color(of: entry, at: index))"/>"##
            }
        }
        return svg + "</svg>"
    }

    // MARK: Legend

    private static let legendRowHeight = 16.0

    /// The legend's entries flowed into rows under the title, and the height they take.
    private func legendLayout(width: Double) -> (markup: String, height: Double) {
        var markup = ""
        var x = 72.0
        var row = 0
        for (index, entry) in series.enumerated() {
            // Sans-serif fonts average up to 7 px per character at 12 px.
            let entryWidth = 26 + 7 * Double(entry.name.count) + 14
            if x + entryWidth > width - 16, x > 72 {
                row += 1
                x = 72
            }
            let y = 38 + Double(row) * Self.legendRowHeight
            markup += ##"<line x1="\##(f(x))" y1="\##(f(y - 4))" x2="\##(f(x + 20))" y2="\##(f(y - 4))" stroke-width="2.5" stroke-linecap="round"\##(stroke(of: entry, at: index))/>"##
            markup += text(entry.name, x: x + 26, y: y, anchor: "start", size: 12, extra: ##" fill="#333""##)
            x += entryWidth
        }
        return (markup, series.isEmpty ? 0 : Double(row + 1) * Self.legendRowHeight)
    }

    // MARK: Series geometry

    /// SVG path commands for `points` (already in pixels), starting a new subpath after each
    /// gap, and where to draw dots: at every point, or only at points with no finite neighbour
    /// (a path draws nothing for those).
    private static func path(through points: [(x: Double, y: Double)], dotsEveryPoint: Bool) -> (commands: String, dots: [(x: Double, y: Double)]) {
        var commands: [String] = []
        var dots: [(x: Double, y: Double)] = []
        for run in finiteRuns(points) {
            let kept = thinned(run)
            if dotsEveryPoint || kept.count == 1 { dots += kept }
            for (index, point) in kept.enumerated() {
                commands.append((index == 0 ? "M" : "L") + f(point.x) + " " + f(point.y))
            }
        }
        return (commands.joined(separator: " "), dots)
    }

    /// The maximal stretches of consecutive finite points.
    private static func finiteRuns(_ points: [(x: Double, y: Double)]) -> [[(x: Double, y: Double)]] {
        var runs: [[(x: Double, y: Double)]] = []
        var current: [(x: Double, y: Double)] = []
        for point in points {
            if point.x.isFinite, point.y.isFinite {
                current.append(point)
            } else if !current.isEmpty {
                runs.append(current)
                current = []
            }
        }
        if !current.isEmpty { runs.append(current) }
        return runs
    }

    /// Per pixel column, the first, lowest, highest and last point in their original order: the
    /// line drawn through them covers the same pixels as the line through all of them.
    private static func thinned(_ run: [(x: Double, y: Double)]) -> [(x: Double, y: Double)] {
        var kept: [(x: Double, y: Double)] = []
        var start = 0
        while start < run.count {
            let column = run[start].x.rounded(.down)
            var end = start + 1
            while end < run.count, run[end].x.rounded(.down) == column { end += 1 }
            let bucket = start..<end
            var chosen: Set<Int> = [bucket.lowerBound, bucket.upperBound - 1]
            if let lowest = bucket.min(by: { run[$0].y < run[$1].y }) { chosen.insert(lowest) }
            if let highest = bucket.max(by: { run[$0].y < run[$1].y }) { chosen.insert(highest) }
            kept += chosen.sorted().map { run[$0] }
            start = end
        }
        return kept
    }

    // MARK: Style

    /// Ten hues that stay distinct from each other on white (the Tableau 10 palette).
    private static let palette = ["#4e79a7", "#f28e2b", "#e15759", "#59a14f", "#b07aa1",
                                  "#76b7b2", "#edc948", "#9c755f", "#ff9da7", "#bab0ac"]

    private func color(of entry: Series, at index: Int) -> String {
        Self.palette[(entry.colorIndex ?? index) % Self.palette.count]
    }

    /// The stroke attributes of `entry`: colour and dash pattern.
    private func stroke(of entry: Series, at index: Int) -> String {
        let pattern = switch entry.dash {
        case .solid: ""
        case .dashed: ##" stroke-dasharray="7 4""##
        case .dotted: ##" stroke-dasharray="1.5 3.5""##
        }
        return ##" stroke="\##(color(of: entry, at: index))""## + pattern
    }

    private func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, color: String) -> String {
        ##"<line x1="\##(f(x1))" y1="\##(f(y1))" x2="\##(f(x2))" y2="\##(f(y2))" stroke="\##(color)" stroke-width="1"/>"##
    }

    private func text(_ content: String, x: Double, y: Double, anchor: String, size: Int, extra: String) -> String {
        ##"<text x="\##(f(x))" y="\##(f(y))" text-anchor="\##(anchor)" font-size="\##(size)"\##(extra)>\##(content.markupEscaped)</text>"##
    }
}

/// A pixel coordinate with one decimal: finer than any screen needs, and keeps the markup small.
private func f(_ value: Double) -> String {
    String(format: "%.1f", value)
}
