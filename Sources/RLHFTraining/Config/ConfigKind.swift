/// The type of a configuration key's value.
public enum ConfigKind: Equatable, Hashable, Sendable, CustomStringConvertible {
    case int
    case double
    case bool
    case string
    case stringList

    /// The type's name as a person reads it in errors and documentation.
    public var description: String {
        switch self {
        case .int: "integer"
        case .double: "number"
        case .bool: "boolean"
        case .string: "string"
        case .stringList: "list of strings"
        }
    }
}

extension ConfigKind {
    /// `an integer`, `a number`, ... for messages.
    var withArticle: String {
        self == .int ? "an integer" : "a \(self)"
    }
}
