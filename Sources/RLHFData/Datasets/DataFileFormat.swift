import Foundation

/// The layout of a data file, told by its name: `.jsonl` or `.txt`, each optionally gzip-compressed
/// (`.jsonl.gz`, `.txt.gz`).
enum DataFileFormat: Equatable, Sendable {
    /// One JSON object per line.
    case jsonLines
    /// Plain UTF-8 text.
    case plainText

    static let accepted = ".jsonl, .jsonl.gz, .txt or .txt.gz"

    /// The format of the file at `url`.
    ///
    /// - Throws: `DataError.unsupportedFormat` if the name ends in none of the accepted extensions.
    init(of url: URL) throws(DataError) {
        var name = url.lastPathComponent.lowercased()
        if name.hasSuffix(".gz") {
            name.removeLast(3)
        }
        if name.hasSuffix(".jsonl") {
            self = .jsonLines
        } else if name.hasSuffix(".txt") {
            self = .plainText
        } else {
            throw .unsupportedFormat(
                path: url.path, detail: "cannot tell the format from the file name; expected \(Self.accepted)")
        }
    }
}
