import Foundation

/// Two responses to one prompt, waiting for a person to say which is better.
public struct CandidatePair: Equatable, Sendable {
    /// A stable identifier: the same pair has the same id in every session, so a resumed session
    /// can tell which pairs are answered.
    public var id: String
    public var prompt: String
    /// The response shown first, as "A".
    public var responseA: String
    /// The response shown second, as "B".
    public var responseB: String

    public init(id: String, prompt: String, responseA: String, responseB: String) {
        self.id = id
        self.prompt = prompt
        self.responseA = responseA
        self.responseB = responseB
    }
}

/// The accepted shape of a candidates JSONL line, for error messages.
private let candidateShapes = #"{"id","prompt","a","b"} as rlhf compare writes"#

/// Loads the candidate pairs that `rlhf compare` writes, from a `.jsonl` or `.jsonl.gz` file.
///
/// Each line is `{"id": "...", "prompt": "...", "a": "...", "b": "..."}`; other fields are
/// ignored and blank lines skipped.
///
/// - Returns: the pairs in file order.
/// - Throws: `DataError` naming the file and, for a bad line, its number and field: a missing or
///   mistyped field, an empty id, or an id already used by an earlier line (a resumed session
///   recognises pairs by id, so ids must be unique).
public func loadCandidatePairs(at url: URL) throws(DataError) -> [CandidatePair] {
    guard try DataFileFormat(of: url) == .jsonLines else {
        throw .unsupportedFormat(path: url.path, detail: "candidate pairs are read from .jsonl or .jsonl.gz files, one pair per line")
    }
    var lineOfID: [String: Int] = [:]
    let (pairs, _) = try loadJSONLines(at: url, options: LoadOptions(), shapes: candidateShapes) {
        (record) throws(DataError) -> ParsedLine<CandidatePair> in
        let id = try record.string("id")
        guard !id.isEmpty else {
            throw .invalidValue(path: record.path, line: record.line, field: "id", reason: "is empty; every pair needs a stable, unique id")
        }
        if let earlier = lineOfID[id] {
            throw .invalidValue(
                path: record.path, line: record.line, field: "id",
                reason: "\"\(id)\" is already the id of line \(earlier); every pair needs its own id, or answers would be confused on resume")
        }
        lineOfID[id] = record.line
        return .record(CandidatePair(
            id: id, prompt: try record.string("prompt"), responseA: try record.string("a"), responseB: try record.string("b")))
    }
    return pairs
}
