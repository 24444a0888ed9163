/// A configuration value, typed by its key's `ConfigKind`.
///
/// `description` is the value as a YAML literal (strings double-quoted, lists in flow style),
/// so that writing it into a config file and reading it back yields the same value.
public enum ConfigValue: Equatable, Hashable, Sendable, CustomStringConvertible {
    case int(Int)
    case double(Double)
    case bool(Bool)
    case string(String)
    case stringList([String])

    /// The kind of this value.
    public var kind: ConfigKind {
        switch self {
        case .int: .int
        case .double: .double
        case .bool: .bool
        case .string: .string
        case .stringList: .stringList
        }
    }

    public var description: String {
        switch self {
        case .int(let value): String(value)
        case .double(let value): Self.literal(value)
        case .bool(let value): value ? "true" : "false"
        case .string(let value): Self.quoted(value)
        case .stringList(let values): "[" + values.map(Self.quoted).joined(separator: ", ") + "]"
        }
    }

    /// Parses `text` as a value of `kind`, or returns nil when it is not one.
    ///
    /// Integers and numbers may contain `_` separators (`100_000`); a number may be written as
    /// an integer; YAML's `.inf`, `-.inf` and `.nan` are numbers. Booleans are `true` or `false`
    /// in any case. A list is comma-separated (`a, b`); blanks around items and empty items are
    /// dropped, so the empty text is the empty list.
    public static func parse(_ text: String, as kind: ConfigKind) -> ConfigValue? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        switch kind {
        case .int:
            return Int(trimmed.replacingOccurrences(of: "_", with: "")).map(ConfigValue.int)
        case .double:
            return number(trimmed).map(ConfigValue.double)
        case .bool:
            switch trimmed.lowercased() {
            case "true": return .bool(true)
            case "false": return .bool(false)
            default: return nil
            }
        case .string:
            return .string(text)
        case .stringList:
            let items = trimmed.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            return .stringList(items.filter { !$0.isEmpty })
        }
    }

    /// The value converted to `kind` where that loses nothing: an integer is a valid number.
    func converted(to kind: ConfigKind) -> ConfigValue? {
        if self.kind == kind { return self }
        if case .int(let value) = self, kind == .double { return .double(Double(value)) }
        return nil
    }

    private static func number(_ text: String) -> Double? {
        switch text.lowercased() {
        case ".inf", "+.inf", "inf", "+inf": return .infinity
        case "-.inf", "-inf": return -.infinity
        case ".nan", "nan": return .nan
        default:
            let digits = text.replacingOccurrences(of: "_", with: "")
            // Swift's parser also reads hexadecimal floats and "infinity"; configs only use decimals.
            guard digits.allSatisfy({ $0.isNumber || "+-.eE".contains($0) }) else { return nil }
            return Double(digits)
        }
    }

    /// The shortest text that reads back as `value`, always with a `.` before any exponent so
    /// that YAML 1.1 readers (PyYAML) see a float rather than a string.
    private static func literal(_ value: Double) -> String {
        if value.isNaN { return ".nan" }
        if value.isInfinite { return value < 0 ? "-.inf" : ".inf" }
        var text = String(value)
        if let exponent = text.firstIndex(of: "e"), !text[..<exponent].contains(".") {
            text.insert(contentsOf: ".0", at: exponent)
        }
        return text
    }

    /// A YAML double-quoted scalar.
    static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case "\r": result += "\\r"
            case _ where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || [0x2028, 0x2029, 0xFEFF].contains(scalar.value):
                // Control characters and the characters YAML treats as line breaks or a BOM.
                let hex = String(scalar.value, radix: 16, uppercase: true)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}

/// Literals make schemas read like the YAML they describe: `default: 3e-4`, `default: ["a"]`.
extension ConfigValue: ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByStringLiteral, ExpressibleByArrayLiteral {
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: String...) { self = .stringList(elements) }
}

extension ConfigValue {
    /// The value as a shell script wants it: strings unquoted, lists comma-separated.
    public var plainText: String {
        switch self {
        case .string(let value): value
        case .stringList(let values): values.joined(separator: ",")
        default: description
        }
    }
}
