import Foundation

/// The accepted shape of a pretraining JSONL line, for error messages.
private let textShapes = #"{"text"}"#

/// Loads the documents of a pretraining corpus.
///
/// - A `.txt` or `.txt.gz` file gives one document per paragraph: paragraphs are separated by
///   blank (or whitespace-only) lines and keep their inner line breaks, as `\n`.
/// - A `.jsonl` or `.jsonl.gz` file gives one document per `{"text": "..."}` line; other fields
///   are ignored and blank lines skipped.
///
/// - Returns: the documents in file order, and what was loaded and skipped.
/// - Throws: `DataError` naming the file and, for a bad line, its number and field; with
///   `options.skipBadLines`, bad lines are skipped instead and counted in the summary.
public func loadTextDocuments(
    at url: URL, options: LoadOptions = LoadOptions()
) throws(DataError) -> (documents: [String], summary: LoadSummary) {
    switch try DataFileFormat(of: url) {
    case .plainText:
        try loadTextBlocks(at: url, options: options, byParagraph: true) { $0 }
    case .jsonLines:
        try loadJSONLines(at: url, options: options, shapes: textShapes) { (record) throws(DataError) in
            .record(try record.string("text"))
        }
    }
}

/// Loads the documents of several corpus files, in order, as one corpus; see
/// `loadTextDocuments(at:options:)` for the formats.
public func loadTextDocuments(
    at urls: [URL], options: LoadOptions = LoadOptions()
) throws(DataError) -> (documents: [String], summary: LoadSummary) {
    try loadEach(urls) { (url) throws(DataError) in try loadTextDocuments(at: url, options: options) }
}
