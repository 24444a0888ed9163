import Foundation

/// One line of a JSONL file decoded as a JSON object, with accessors whose errors name the file,
/// the line and the field.
struct JSONRecord {
    let path: String
    let line: Int
    /// The record shapes the loader accepts, e.g. `{"prompt","completion"}`, for messages about
    /// missing fields.
    let shapes: String
    let fields: [String: Any]

    /// Decodes `line` as a JSON object.
    ///
    /// - Throws: `DataError.malformedLine` if the line is not JSON or not a JSON object.
    init(_ line: LineReader.Line, path: String, shapes: String) throws(DataError) {
        self.path = path
        self.line = line.number
        self.shapes = shapes
        let value: Any
        do {
            value = try JSONSerialization.jsonObject(with: Data(line.text.utf8), options: [.fragmentsAllowed])
        } catch {
            // Foundation's own wording ("the data is not in the correct format") hides where.
            let location = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String
            throw .malformedLine(
                path: path, line: line.number,
                reason: "line is not valid JSON (\(location ?? error.localizedDescription)); expected one JSON object per line, such as \(shapes)")
        }
        guard let fields = value as? [String: Any] else {
            throw .malformedLine(
                path: path, line: line.number,
                reason: "line is \(Self.describe(value)), expected a JSON object such as \(shapes)")
        }
        self.fields = fields
    }

    /// Whether the record has `field`, of any type, including `null`.
    func has(_ field: String) -> Bool {
        fields[field] != nil
    }

    /// The string in top-level `field`.
    func string(_ field: String) throws(DataError) -> String {
        try value(fields[field], named: field, as: String.self, shapes: shapes)
    }

    /// `value`, found at `name` (e.g. `messages[3].role`), as a `T`.
    ///
    /// - Throws: `DataError.missingField` (naming `shapes`) if `value` is absent and
    ///   `DataError.wrongType` if it is not a `T`.
    func value<T>(_ value: Any?, named name: String, as type: T.Type, shapes: String) throws(DataError) -> T {
        guard let value else {
            throw .missingField(path: path, line: line, field: name, expected: shapes)
        }
        guard let typed = value as? T else {
            throw .wrongType(path: path, line: line, field: name, expected: Self.typeName(of: T.self), found: Self.describe(value))
        }
        return typed
    }

    /// The JSON name of a decoded type, with its article.
    private static func typeName<T>(of type: T.Type) -> String {
        if type == String.self { return "a string" }
        if type == [Any].self { return "an array" }
        if type == [String: Any].self { return "an object" }
        return "\(type)"
    }

    /// The JSON type of a decoded value, with its article.
    static func describe(_ value: Any) -> String {
        switch value {
        case is String: "a string"
        case is [Any]: "an array"
        case is [String: Any]: "an object"
        case is NSNull: "null"
        // JSONSerialization returns booleans as NSNumbers whose Objective-C type is char.
        case let number as NSNumber: String(cString: number.objCType) == "c" ? "a boolean" : "a number"
        default: "\(type(of: value))"
        }
    }
}
