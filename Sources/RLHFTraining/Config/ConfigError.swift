/// A configuration that cannot be loaded or fails a check, with a message that says where the
/// problem is and how to fix it.
public enum ConfigError: Error, Equatable, CustomStringConvertible {
    /// A key the command does not declare; `source` is the file path or `--set`.
    case unknownKey(key: String, source: String, suggestion: String?)
    /// A value that is not of the key's kind; `got` describes what was found (`"abc"`, `a mapping`).
    case wrongType(key: String, expected: ConfigKind, got: String, source: String)
    /// A required key that neither the file nor an override gives.
    case missingRequired(key: String)
    /// The same key given twice in one file (e.g. as `train.lr:` and under `train:`).
    case duplicateKey(key: String, source: String)
    /// A `--set` argument without `=`.
    case badOverride(text: String)
    /// The config file cannot be read.
    case unreadable(path: String, reason: String)
    /// The config file is not valid YAML; `reason` includes the line and column where known.
    case invalidYAML(path: String, reason: String)
    /// The file's top level, or a section (`key`), is not a mapping of names to values.
    case notAMapping(source: String, key: String?)
    /// A multi-stage file (such as `configs/demo.yaml`) without the section a command asked for.
    case missingSection(source: String, section: String, available: [String])
    /// A value of the right type that a caller's check rejects, e.g. a learning rate of 0.
    case invalidValue(key: String, reason: String)

    public var description: String {
        switch self {
        case .unknownKey(let key, let source, let suggestion):
            "\(source): unknown key \"\(key)\"" + (suggestion.map { " (did you mean \"\($0)\"?)" } ?? "")
        case .wrongType(let key, let expected, let got, let source):
            "\(source): \"\(key)\" must be \(expected.withArticle), got \(got)"
        case .missingRequired(let key):
            "missing required key \"\(key)\": set it in the config file or pass --set \(key)=..."
        case .duplicateKey(let key, let source):
            "\(source): key \"\(key)\" is given more than once"
        case .badOverride(let text):
            "--set \"\(text)\": expected key=value, e.g. --set train.lr=1e-3"
        case .unreadable(let path, let reason):
            "\(path): cannot read config file: \(reason)"
        case .invalidYAML(let path, let reason):
            "\(path): invalid YAML: \(reason)"
        case .missingSection(let source, let section, let available):
            "\(source): no section \"\(section)\" (the file has: \(available.joined(separator: ", ")))"
        case .notAMapping(let source, let key):
            if let key {
                "\(source): \"\(key)\" is a section and must be a mapping of keys to values"
            } else {
                "\(source): the top level must be a mapping of keys to values"
            }
        case .invalidValue(let key, let reason):
            "invalid value for \"\(key)\": \(reason)"
        }
    }
}
