import Yams

extension Node {
    /// Whether the node is a YAML null (plain `null`, `~` or nothing); a quoted "null" is a string.
    var isNull: Bool {
        tag.description == Tag.Name.null.rawValue
    }
}

extension YamlError {
    /// One line: the problem and where it is (Yams's own description adds the whole snippet).
    var briefDescription: String {
        switch self {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let during = context.map { " (\($0.text) at line \($0.mark.line))" } ?? ""
            return "line \(mark.line), column \(mark.column): \(problem)\(during)"
        case .duplicatedKeysInMapping(let duplicates, let context):
            return "line \(context.mark.line): key \(duplicates.map { "\"\($0)\"" }.joined(separator: ", ")) is given more than once"
        default:
            return String(describing: self).replacingOccurrences(of: "\n", with: " ")
        }
    }
}
