/// A dataset file that could not be read, or a line in it that does not hold a usable record.
///
/// Every message starts with the file, and the line and field where they apply, in the
/// `path:line: field "x" ...` form that editors and terminals turn into links, and says what was
/// expected, so that the message alone tells a person what to fix.
public enum DataError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file does not exist, is a directory or may not be read.
    case cannotOpen(path: String, reason: String)
    /// The file's bytes end or break off before its last line, e.g. a truncated or corrupt
    /// gzip stream. `afterLine` is the last line read intact (0 if none).
    case unreadable(path: String, afterLine: Int, reason: String)
    /// The file's name does not say which format it is in, or the loader does not read that format.
    case unsupportedFormat(path: String, detail: String)
    /// The file holds no usable record: it is empty, or every line in it is bad or skipped.
    case empty(path: String, detail: String)
    /// A line is not valid UTF-8 text.
    case invalidUTF8(path: String, line: Int)
    /// A line is not valid JSON, or is valid JSON but not an object.
    case malformedLine(path: String, line: Int, reason: String)
    /// A field that the record's format requires is absent. `expected` names the accepted
    /// record shapes, e.g. `{"prompt","completion"} or {"messages":[...]}`.
    case missingField(path: String, line: Int, field: String, expected: String)
    /// A field holds a JSON value of the wrong type, e.g. a number where text belongs.
    case wrongType(path: String, line: Int, field: String, expected: String, found: String)
    /// A field has the right type but a value the format does not allow, e.g. an unknown chat
    /// role, a conversation without an assistant turn or a dialogue without an assistant marker.
    case invalidValue(path: String, line: Int, field: String, reason: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason):
            "\(path): cannot open: \(reason)"
        case .unreadable(let path, let afterLine, let reason):
            "\(path): cannot read past line \(afterLine): \(reason)"
        case .unsupportedFormat(let path, let detail):
            "\(path): unsupported data format: \(detail)"
        case .empty(let path, let detail):
            "\(path): no usable records: \(detail)"
        case .invalidUTF8(let path, let line):
            "\(path):\(line): line is not valid UTF-8 text"
        case .malformedLine(let path, let line, let reason):
            "\(path):\(line): \(reason)"
        case .missingField(let path, let line, let field, let expected):
            "\(path):\(line): field \"\(field)\" is missing (expected \(expected))"
        case .wrongType(let path, let line, let field, let expected, let found):
            "\(path):\(line): field \"\(field)\" is \(found), expected \(expected)"
        case .invalidValue(let path, let line, let field, let reason):
            "\(path):\(line): field \"\(field)\" \(reason)"
        }
    }

    /// Whether the error concerns one line only, so that a loader told to skip bad lines may
    /// skip it and read on; errors about the whole file always stop the load.
    var isLineError: Bool {
        switch self {
        case .invalidUTF8, .malformedLine, .missingField, .wrongType, .invalidValue:
            true
        case .cannotOpen, .unreadable, .unsupportedFormat, .empty:
            false
        }
    }
}
