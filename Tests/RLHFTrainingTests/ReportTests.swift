import Foundation
import Testing
import RLHFTraining

// MARK: - CRC-32C

@Suite("Report CRC32C") struct ReportCRC32CTests {
    @Test func knownVectors() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8]()) == 0)
        // RFC 3720 (iSCSI), appendix B.4.
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
    }

    /// Expected values from TensorBoard's own `masked_crc32c`.
    @Test func maskedForm() {
        #expect(CRC32C.masked(CRC32C.checksum(Array("123456789".utf8))) == 0xC78A_B0E5)
        #expect(CRC32C.masked(0) == 0xA282_EAD8)
    }
}

// MARK: - Metrics files

@Suite("Report metrics series") struct ReportMetricsSeriesTests {
    @Test func readsNumbersNullsAndSkipsTheNonfiniteList() throws {
        let text = """
            {"step": 0, "eval/loss": 2.5}
            {"step": 1, "train/loss": 2.25, "train/lr": 1e-05, "note": "warmup"}

            {"step": 2, "train/loss": null, "train/lr": 2e-05, "nonfinite": ["train/loss"]}
            {"step": 3, "train/loss": 1.75, "train/lr": 3e-05, "eval/loss": 2.0}

            """
        let series = try MetricsSeries(jsonLines: Data(text.utf8), source: "metrics.jsonl")
        #expect(series.names == ["eval/loss", "train/loss", "train/lr"])
        #expect(series["eval/loss"] == [MetricPoint(step: 0, value: 2.5), MetricPoint(step: 3, value: 2.0)])
        let loss = series["train/loss"]
        #expect(loss.map(\.step) == [1, 2, 3])
        #expect(loss[1].value.isNaN)
        #expect(loss[2].value == 1.75)
        #expect(series["missing"].isEmpty)
        #expect(series.stepRange == 0...3)
    }

    @Test func skipsAnUnfinishedLastLineOnly() throws {
        let running = Data(#"{"step": 1, "train/loss": 2.0}\#n{"step": 2, "train/lo"#.utf8)
        #expect(try MetricsSeries(jsonLines: running, source: "m").stepRange == 1...1)

        let broken = Data(#"{"step": 1, "train/loss": 2.0}\#n{"step": 2, "train/lo\#n{"step": 3}\#n"#.utf8)
        #expect {
            try MetricsSeries(jsonLines: broken, source: "runs/x/metrics.jsonl")
        } throws: { error in
            guard case .invalidMetricsLine(let path, let line, _) = error as? ReportError else { return false }
            return path == "runs/x/metrics.jsonl" && line == 2
        }
    }

    @Test func rejectsLinesWithoutAnIntegerStep() {
        for line in [#"{"train/loss": 1.0}"#, #"{"step": 1.5}"#, #"{"step": "3"}"#, "[1, 2]"] {
            #expect(throws: ReportError.self) { try MetricsSeries(jsonLines: Data((line + "\n").utf8), source: "m") }
        }
        let message = ReportError.invalidMetricsLine(path: "m", line: 4, detail: "no integer \"step\"").description
        #expect(message.contains("m line 4") && message.contains("{\"step\": 3"))
    }

    @Test func namesAMissingFile() throws {
        let directory = try TemporaryDirectory()
        let url = directory.url.appendingPathComponent("absent/metrics.jsonl")
        #expect {
            try MetricsSeries(contentsOf: url)
        } throws: { error in
            guard case .io(let path, _) = error as? ReportError else { return false }
            return path == url.path
        }
    }
}

// MARK: - SVG plots

@Suite("Report SVG plot") struct ReportSVGPlotTests {
    /// The `d` attribute of every `<path>`, in order.
    func paths(_ svg: String) -> [String] {
        svg.components(separatedBy: "<path d=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
    }

    func commandCount(_ path: String, _ command: Character) -> Int {
        path.filter { $0 == command }.count
    }

    @Test func onePathPerSeriesWithEveryPoint() {
        let plot = SVGPlot(title: "Loss", xLabel: "step", yLabel: "loss", series: [
            .init(name: "train/loss", points: (0..<50).map { (x: Double($0), y: 3 - Double($0) * 0.04) }),
            .init(name: "eval/loss", points: stride(from: 0, to: 50, by: 10).map { (x: Double($0), y: 2.9 - Double($0) * 0.03) }),
        ])
        let svg = plot.render()
        let drawn = paths(svg)
        #expect(drawn.count == 2)
        #expect(commandCount(drawn[0], "M") + commandCount(drawn[0], "L") == 50)
        #expect(commandCount(drawn[1], "M") + commandCount(drawn[1], "L") == 5)
        #expect(svg.hasPrefix("<svg") && svg.hasSuffix("</svg>"))
        #expect(svg.contains(">train/loss</text>") && svg.contains(">eval/loss</text>"))
        #expect(svg.contains(">step</text>") && svg.contains(">loss</text>"))
        // Steps 0…49 get whole-number ticks; losses 1.04…3 get round ones.
        #expect(svg.contains(">0</text>") && svg.contains(">40</text>"))
        #expect(svg.contains(">2.0</text>") || svg.contains(">2</text>"))
    }

    @Test func nonFiniteValuesLeaveGaps() throws {
        let values: [Double] = [1, 2, .nan, 3, 4, .infinity, 5, 6, 7]
        let svg = SVGPlot(title: "t", xLabel: "x", yLabel: "y", series: [
            .init(name: "s", points: values.enumerated().map { (x: Double($0.offset), y: $0.element) }),
        ]).render()
        let path = try #require(paths(svg).first)
        #expect(commandCount(path, "M") == 3)
        #expect(commandCount(path, "L") == 4)
        #expect(!svg.lowercased().contains("nan") && !svg.contains("inf"))
    }

    @Test func singlePointAndConstantSeriesStillDraw() {
        let single = SVGPlot(title: "one", xLabel: "step", yLabel: "v", series: [.init(name: "a", points: [(x: 7, y: 0.5)])]).render()
        #expect(single.contains("<circle"))
        #expect(!single.lowercased().contains("nan"))
        let constant = SVGPlot(title: "flat", xLabel: "step", yLabel: "v", series: [
            .init(name: "kl_coef", points: (0..<10).map { (x: Double($0), y: 0.05) }),
        ]).render()
        #expect(!constant.lowercased().contains("nan") && !constant.contains("inf"))
        #expect(paths(constant).first.map { commandCount($0, "L") } == 9)
        let empty = SVGPlot(title: "none", xLabel: "x", yLabel: "y", series: [.init(name: "a", points: [(x: 1, y: .nan)])]).render()
        #expect(empty.contains("no finite values"))
    }

    @Test func escapesEveryText() {
        let svg = SVGPlot(title: "<b>loss</b> & \"more\"", xLabel: "a<b", yLabel: "c>d", series: [
            .init(name: "it's <x>", points: [(x: 0, y: 1), (x: 1, y: 2)]),
        ]).render()
        #expect(svg.contains("&lt;b&gt;loss&lt;/b&gt; &amp; &quot;more&quot;"))
        #expect(svg.contains(">a&lt;b</text>") && svg.contains(">c&gt;d</text>"))
        #expect(svg.contains("it&#39;s &lt;x&gt;"))
        #expect(!svg.contains("<b>") && !svg.contains("<x>"))
    }

    @Test func longSeriesAreThinnedToTheirPixelColumns() {
        let points = (0..<20_000).map { (x: Double($0), y: sin(Double($0) / 50)) }
        let svg = SVGPlot(title: "long", xLabel: "step", yLabel: "v", series: [.init(name: "s", points: points)]).render(width: 560)
        let count = paths(svg).first.map { commandCount($0, "L") + 1 } ?? 0
        #expect(count > 560 && count <= 4 * 560)
    }
}

// MARK: - TensorBoard event files

/// A TensorBoard event file parsed by the test itself: TFRecord framing, then protocol buffers.
struct ParsedEvent {
    var wallTime: Double?
    var step: Int64?
    var fileVersion: String?
    var scalars: [(tag: String, value: Float)] = []
}

enum EventFileParser {
    struct Malformed: Error { let detail: String }

    /// The records of `bytes`, checking both masked CRC-32Cs of each.
    static func records(_ bytes: [UInt8]) throws -> [[UInt8]] {
        var records: [[UInt8]] = []
        var offset = 0
        while offset < bytes.count {
            guard offset + 12 <= bytes.count else { throw Malformed(detail: "truncated header at \(offset)") }
            let lengthBytes = Array(bytes[offset..<offset + 8])
            let length = Int(littleEndian(lengthBytes, as: UInt64.self))
            guard littleEndian(Array(bytes[offset + 8..<offset + 12]), as: UInt32.self) == CRC32C.masked(CRC32C.checksum(lengthBytes)) else {
                throw Malformed(detail: "length CRC at \(offset)")
            }
            guard offset + 16 + length <= bytes.count else { throw Malformed(detail: "truncated data at \(offset)") }
            let data = Array(bytes[offset + 12..<offset + 12 + length])
            guard littleEndian(Array(bytes[offset + 12 + length..<offset + 16 + length]), as: UInt32.self) == CRC32C.masked(CRC32C.checksum(data)) else {
                throw Malformed(detail: "data CRC at \(offset)")
            }
            records.append(data)
            offset += 16 + length
        }
        return records
    }

    static func event(_ bytes: [UInt8]) throws -> ParsedEvent {
        var event = ParsedEvent()
        for field in try fields(bytes) {
            switch (field.number, field.value) {
            case (1, .fixed64(let bits)): event.wallTime = Double(bitPattern: bits)
            case (2, .varint(let value)): event.step = Int64(bitPattern: value)
            case (3, .bytes(let text)): event.fileVersion = String(decoding: text, as: UTF8.self)
            case (5, .bytes(let summary)):
                for value in try fields(summary) where value.number == 1 {
                    guard case .bytes(let encoded) = value.value else { throw Malformed(detail: "Summary.value is not a message") }
                    var tag = "", scalar = Float.nan
                    for part in try fields(encoded) {
                        switch (part.number, part.value) {
                        case (1, .bytes(let text)): tag = String(decoding: text, as: UTF8.self)
                        case (2, .fixed32(let bits)): scalar = Float(bitPattern: bits)
                        default: throw Malformed(detail: "unexpected Summary.Value field \(part.number)")
                        }
                    }
                    event.scalars.append((tag, scalar))
                }
            default: throw Malformed(detail: "unexpected Event field \(field.number)")
            }
        }
        return event
    }

    static func events(in url: URL) throws -> [ParsedEvent] {
        try records(Array(Data(contentsOf: url))).map(event)
    }

    enum FieldValue {
        case varint(UInt64), fixed64(UInt64), fixed32(UInt32), bytes([UInt8])
    }

    static func fields(_ bytes: [UInt8]) throws -> [(number: Int, value: FieldValue)] {
        var result: [(number: Int, value: FieldValue)] = []
        var offset = 0
        func varint() throws -> UInt64 {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                guard offset < bytes.count, shift < 64 else { throw Malformed(detail: "bad varint") }
                let byte = bytes[offset]
                offset += 1
                value |= UInt64(byte & 0x7F) << shift
                if byte & 0x80 == 0 { return value }
                shift += 7
            }
        }
        func take(_ count: Int) throws -> [UInt8] {
            guard offset + count <= bytes.count else { throw Malformed(detail: "truncated field") }
            defer { offset += count }
            return Array(bytes[offset..<offset + count])
        }
        while offset < bytes.count {
            let key = try varint()
            let number = Int(key >> 3)
            switch key & 7 {
            case 0: result.append((number, .varint(try varint())))
            case 1: result.append((number, .fixed64(littleEndian(try take(8), as: UInt64.self))))
            case 2: result.append((number, .bytes(try take(Int(try varint())))))
            case 5: result.append((number, .fixed32(littleEndian(try take(4), as: UInt32.self))))
            default: throw Malformed(detail: "wire type \(key & 7)")
            }
        }
        return result
    }

    static func littleEndian<T: FixedWidthInteger>(_ bytes: [UInt8], as: T.Type) -> T {
        bytes.reversed().reduce(T.zero) { $0 << 8 | T($1) }
    }
}

@Suite("Report TensorBoard event files") struct ReportTensorBoardTests {
    @Test func recordsRoundTrip() throws {
        let directory = try TemporaryDirectory()
        let writer = try TensorBoardWriter(directory: directory.url, wallTime: 1_700_000_000.25)
        try writer.add(step: 0, tag: "train/loss", value: 2.5, wallTime: 1_700_000_001.5)
        try writer.add(step: 300, tag: "objective/kl", value: -0.125, wallTime: 1_700_000_002)
        try writer.add(step: 1 << 40, tag: "eval/ünïcode", value: .nan, wallTime: 1_700_000_003)
        try writer.close()

        let name = writer.url.lastPathComponent
        #expect(try name.wholeMatch(of: Regex(#"events\.out\.tfevents\.\d{10}\.[^/]+"#)) != nil, "\(name)")
        let events = try EventFileParser.events(in: writer.url)
        try #require(events.count == 4)
        #expect(events[0].fileVersion == "brain.Event:2" && events[0].wallTime == 1_700_000_000.25 && events[0].scalars.isEmpty)
        #expect(events[1].wallTime == 1_700_000_001.5 && events[1].step == 0)
        #expect(events[1].scalars.map(\.tag) == ["train/loss"] && events[1].scalars.map(\.value) == [2.5])
        #expect(events[2].step == 300 && events[2].scalars.first?.tag == "objective/kl" && events[2].scalars.first?.value == -0.125)
        #expect(events[3].step == 1 << 40 && events[3].scalars.first?.tag == "eval/ünïcode" && events[3].scalars.first?.value.isNaN == true)
    }

    @Test func writersNeverShareAFile() throws {
        let directory = try TemporaryDirectory()
        let first = try TensorBoardWriter(directory: directory.url, wallTime: 1_700_000_000)
        let second = try TensorBoardWriter(directory: directory.url, wallTime: 1_700_000_000)
        #expect(first.url != second.url)
        try first.close()
        try second.close()
        #expect(throws: ReportError.self) { try first.add(step: 1, tag: "x", value: 1) }
    }

    @Test func exportWritesEveryMetricInStepOrder() throws {
        let directory = try TemporaryDirectory()
        let metrics = directory.url.appendingPathComponent("metrics.jsonl")
        try Data("""
            {"step": 0, "eval/loss": 2.5}
            {"step": 1, "train/loss": 2.25, "train/lr": 1e-05}
            {"step": 2, "train/loss": null, "train/lr": 2e-05, "nonfinite": ["train/loss"]}

            """.utf8).write(to: metrics)
        let file = try exportTensorBoard(metrics: metrics, to: directory.url.appendingPathComponent("tensorboard"))
        let events = try EventFileParser.events(in: file)
        #expect(events.first?.fileVersion == "brain.Event:2")
        let scalars = events.dropFirst().flatMap { event in event.scalars.map { (step: event.step ?? -1, tag: $0.tag, value: $0.value) } }
        #expect(scalars.map(\.step) == [0, 1, 1, 2, 2])
        #expect(scalars.map(\.tag) == ["eval/loss", "train/loss", "train/lr", "train/loss", "train/lr"])
        #expect(scalars[3].value.isNaN && scalars[2].value == Float(1e-05))
    }

    @Test func exportingAgainReplacesTheEarlierExport() throws {
        let directory = try TemporaryDirectory()
        let metrics = directory.url.appendingPathComponent("metrics.jsonl")
        let output = directory.url.appendingPathComponent("tensorboard")
        try Data(#"{"step": 1, "train/loss": 2.0}\#n"#.utf8).write(to: metrics)
        try exportTensorBoard(metrics: metrics, to: output)
        try Data(#"{"step": 1, "train/loss": 2.0}\#n{"step": 2, "train/loss": 1.5}\#n"#.utf8).write(to: metrics)
        let latest = try exportTensorBoard(metrics: metrics, to: output)
        let unrelated = output.appendingPathComponent("notes.txt")
        try Data().write(to: unrelated)
        try exportTensorBoard(metrics: metrics, to: output)
        let names = try FileManager.default.contentsOfDirectory(atPath: output.path)
        #expect(names.filter { $0.hasPrefix("events.out.tfevents.") }.count == 1)
        #expect(names.contains("notes.txt") && !names.contains(latest.lastPathComponent))
    }
}

// MARK: - The HTML report

@Suite("Report HTML page") struct ReportHTMLTests {
    /// A synthetic `metrics.jsonl` in the shape each stage writes.
    static func writeMetrics(_ url: URL, steps: Int, stage: String, klScale: Double = 1) throws {
        var lines: [String] = []
        for step in 0...steps {
            let t = Double(step)
            var fields: [String: Double?] = [:]
            switch stage {
            case "sft":
                fields = ["train/loss": 2.2 - 0.01 * t, "train/lr": 1e-4, "timing/step_s": 0.05, "timing/allreduce_s": 0.001,
                          "throughput/tokens_per_s": 9000]
                if step % 10 == 0 { fields["eval/loss"] = 2.1 - 0.008 * t }
            case "rm":
                fields = ["train/loss": 0.7 - 0.002 * t, "train/accuracy": 0.5 + 0.003 * t, "eval/accuracy": 0.55 + 0.002 * t]
            default:
                fields = ["objective/scores": -1 + 0.05 * t, "objective/kl": 0.01 * t * klScale, "objective/kl_coef": 0.05,
                          "policy/clipfrac": 0.1, "val/explained_var": step == 3 ? nil : 0.02 * t, "timing/generate_s": 1.2,
                          "timing/train_s": 0.8, "throughput/rollout_tokens_per_s": 400, "eval/gold_score": 0.03 * t]
            }
            let body = fields.keys.sorted().map { key in "\"\(key)\": " + (fields[key].flatMap { $0 }.map { "\($0)" } ?? "null") }
            lines.append("{\"step\": \(step), " + body.joined(separator: ", ") + "}")
        }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: url)
    }

    func makeReport(in directory: URL) throws -> RunReport {
        for (name, steps) in [("sft", 40), ("rm", 30), ("ppo", 12), ("ppo-nokl", 12)] {
            try FileManager.default.createDirectory(at: directory.appendingPathComponent(name), withIntermediateDirectories: true)
            try Self.writeMetrics(directory.appendingPathComponent("\(name)/metrics.jsonl"), steps: steps,
                                  stage: name.hasPrefix("ppo") ? "ppo" : name, klScale: name == "ppo-nokl" ? 4 : 1)
        }
        var report = RunReport(title: "stories260K <RLHF> demo")
        report.addSummary([("SFT held-out loss", "1.78"), ("RM accuracy", "0.61 ± 0.02"), ("score gain", "<+1.2>")])
        try report.addStage(name: "sft", metrics: directory.appendingPathComponent("sft/metrics.jsonl"))
        try report.addStage(name: "rm", metrics: directory.appendingPathComponent("rm/metrics.jsonl"))
        try report.addComparison(name: "ppo: with KL vs without KL", runs: [
            ("with KL", directory.appendingPathComponent("ppo/metrics.jsonl")),
            ("without KL", directory.appendingPathComponent("ppo-nokl/metrics.jsonl")),
        ])
        try report.addSamples(title: "Samples before and after PPO", columns: ["prompt", "SFT", "PPO"], rows: [
            ["Once upon a time", "there was a cat.\nIt sat.", "there was a <script>alert(1)</script> dog & a cat."],
        ])
        return report
    }

    @Test func pageIsSelfContainedWithEverySectionAndEscapedSamples() throws {
        let directory = try TemporaryDirectory()
        let html = try makeReport(in: directory.url).html()
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(!html.contains("http://") && !html.contains("https://"))
        #expect(!html.lowercased().contains("<script"))
        #expect(html.contains("<title>stories260K &lt;RLHF&gt; demo</title>"))
        for heading in ["Summary", "sft", "rm", "ppo: with KL vs without KL", "Samples before and after PPO"] {
            #expect(html.contains("<h2>\(heading)</h2>"), "missing section \(heading)")
        }
        #expect(html.contains("<td>&lt;+1.2&gt;</td>"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; dog &amp; a cat."))
        #expect(html.contains("there was a cat.\nIt sat."))
        for plot in ["Loss", "Pairwise accuracy", "Score", "KL to the reference policy", "KL coefficient", "Clip fractions",
                     "Value explained variance", "Wall time per step, by phase", "Throughput", "Learning rate"] {
            #expect(html.contains("aria-label=\"\(plot)\""), "missing plot \(plot)")
        }
        // The comparison overlays both runs, named by their labels.
        #expect(html.contains(">with KL</text>") && html.contains(">without KL</text>"))
        #expect(html.contains(">with KL: generate</text>"))
    }

    @Test func writesTheReportFile() throws {
        let directory = try TemporaryDirectory()
        let report = try makeReport(in: directory.url)
        let url = directory.url.appendingPathComponent("out/report.html")
        try report.write(to: url)
        #expect(try String(contentsOf: url, encoding: .utf8) == report.html())
    }

    @Test func rejectsRaggedTablesAndEmptyComparisons() throws {
        var report = RunReport(title: "t")
        #expect(throws: ReportError.raggedTable(title: "s", row: 2, cells: 1, columns: 2)) {
            try report.addSamples(title: "s", columns: ["a", "b"], rows: [["1", "2"], ["3"]])
        }
        #expect(throws: ReportError.noRuns(stage: "ppo")) { try report.addComparison(name: "ppo", runs: []) }
        #expect(throws: ReportError.self) {
            try report.addStage(name: "sft", metrics: URL(fileURLWithPath: "/nonexistent/metrics.jsonl"))
        }
    }
}
