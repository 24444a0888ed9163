import Foundation

/// What a loader made of one line.
enum ParsedLine<Record> {
    /// A usable record.
    case record(Record)
    /// A well-formed preference pair whose chosen and rejected texts are the same.
    case identicalPair(message: String)
    /// A well-formed whole-dialogue preference pair whose dialogues differ before the last
    /// assistant turn.
    case mismatchedPrompts(message: String)
}

/// Gathers the records of one file and the summary of what was loaded and skipped, applying
/// `LoadOptions.skipBadLines`.
struct RecordCollector<Record> {
    let path: String
    let options: LoadOptions
    private(set) var records: [Record] = []
    private(set) var summary: LoadSummary

    init(path: String, options: LoadOptions) {
        self.path = path
        self.options = options
        summary = LoadSummary(path: path)
    }

    mutating func add(_ parsed: ParsedLine<Record>) {
        switch parsed {
        case .record(let record):
            records.append(record)
            summary.recordsLoaded += 1
        case .identicalPair(let message):
            summary.identicalPairsSkipped += 1
            summary.note(message)
        case .mismatchedPrompts(let message):
            summary.mismatchedPromptsSkipped += 1
            summary.note(message)
        }
    }

    /// Counts and notes `error` if it concerns one line and bad lines are skipped; rethrows it otherwise.
    mutating func handle(_ error: DataError) throws(DataError) {
        guard options.skipBadLines, error.isLineError else { throw error }
        summary.badLinesSkipped += 1
        summary.note(error.description)
    }

    /// The records and summary, once `linesRead` lines have been read.
    ///
    /// - Throws: `DataError.empty` if there is no record, saying why.
    func finish(linesRead: Int) throws(DataError) -> ([Record], LoadSummary) {
        var summary = summary
        summary.linesRead = linesRead
        guard records.isEmpty else { return (records, summary) }
        guard linesRead > 0 else {
            throw .empty(path: path, detail: "the file is empty")
        }
        guard let skipCounts = summary.skipCounts, let firstProblem = summary.firstProblems.first else {
            throw .empty(path: path, detail: "all \(linesRead) lines are blank")
        }
        throw .empty(path: path, detail: "every record was skipped (\(skipCounts)); the first: \(firstProblem)")
    }
}

/// Reads every non-blank line of the JSONL file at `url` as a JSON object and hands it to `parse`.
///
/// - Parameter shapes: the record shapes the caller accepts, for error messages.
func loadJSONLines<Record>(
    at url: URL,
    options: LoadOptions,
    shapes: String,
    parse: (JSONRecord) throws(DataError) -> ParsedLine<Record>
) throws(DataError) -> ([Record], LoadSummary) {
    let reader = try LineReader(url: url)
    var collector = RecordCollector<Record>(path: reader.path, options: options)
    while true {
        do throws(DataError) {
            guard let line = try reader.next() else { break }
            guard !isBlank(line.text) else { continue }
            collector.add(try parse(JSONRecord(line, path: reader.path, shapes: shapes)))
        } catch {
            try collector.handle(error)
        }
    }
    return try collector.finish(linesRead: reader.lineNumber)
}

/// Reads the plain-text file at `url` and turns each of its non-blank lines (or, with
/// `byParagraph`, each run of non-blank lines, joined by `\n`) into a record.
func loadTextBlocks<Record>(
    at url: URL,
    options: LoadOptions,
    byParagraph: Bool,
    makeRecord: (String) -> Record
) throws(DataError) -> ([Record], LoadSummary) {
    let reader = try LineReader(url: url)
    var collector = RecordCollector<Record>(path: reader.path, options: options)
    var paragraph: [String] = []
    func endParagraph() {
        if !paragraph.isEmpty {
            collector.add(.record(makeRecord(paragraph.joined(separator: "\n"))))
            paragraph.removeAll()
        }
    }
    while true {
        do throws(DataError) {
            guard let line = try reader.next() else { break }
            if isBlank(line.text) {
                endParagraph()
            } else if byParagraph {
                paragraph.append(line.text)
            } else {
                collector.add(.record(makeRecord(line.text)))
            }
        } catch {
            try collector.handle(error)
        }
    }
    endParagraph()
    return try collector.finish(linesRead: reader.lineNumber)
}

/// Loads each file in `urls` with `load` and concatenates the records, in order.
///
/// - Throws: `DataError.empty` if `urls` is empty, and the first error of any file.
func loadEach<Record>(
    _ urls: [URL],
    with load: (URL) throws(DataError) -> ([Record], LoadSummary)
) throws(DataError) -> ([Record], LoadSummary) {
    guard let first = urls.first else {
        throw .empty(path: "(no files)", detail: "the list of data files is empty")
    }
    var (records, summary) = try load(first)
    for url in urls.dropFirst() {
        let (more, moreSummary) = try load(url)
        records += more
        summary = summary.merged(with: moreSummary)
    }
    return (records, summary)
}

/// Whether `text` holds nothing but whitespace.
func isBlank(_ text: String) -> Bool {
    text.allSatisfy(\.isWhitespace)
}
