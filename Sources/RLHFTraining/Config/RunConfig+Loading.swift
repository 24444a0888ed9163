import Foundation
import Yams

extension RunConfig {
    /// Resolves a configuration: each key's value comes from the last `--set` override that
    /// names it, else from the YAML `file`, else from the schema's default.
    ///
    /// - Parameters:
    ///   - file: a YAML mapping, nested (`train: {lr: 3e-4}`) or with dotted keys
    ///     (`train.lr: 3e-4`); nil for defaults and overrides only. A YAML null leaves the
    ///     default in place (and so is missing for a required key).
    ///   - overrides: `key=value` texts, parsed by the key's kind (see `ConfigValue.parse`);
    ///     a list may also be written as a YAML flow sequence, `[a, b]`.
    public static func load(schema: ConfigSchema, file: URL?, overrides: [String]) throws(ConfigError) -> RunConfig {
        guard let file else {
            return try load(schema: schema, yaml: "", source: "", overrides: overrides)
        }
        let path = file.relativePath
        let data: Data
        do {
            data = try Data(contentsOf: file)
        } catch {
            throw .unreadable(path: path, reason: error.localizedDescription)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .unreadable(path: path, reason: "the file is not UTF-8 text")
        }
        return try load(schema: schema, yaml: text, source: path, overrides: overrides)
    }

    /// Resolves a configuration from YAML text; `source` names it in errors, as a file path would.
    public static func load(schema: ConfigSchema, yaml: String, source: String, overrides: [String] = []) throws(ConfigError) -> RunConfig {
        var values: [String: ConfigValue] = [:]
        for key in schema.keys {
            values[key.name] = key.defaultValue
        }
        for (name, value) in try fileValues(schema: schema, yaml: yaml, source: source) {
            values[name] = value ?? schema.key(named: name)?.defaultValue
        }
        for text in overrides {
            let (name, value) = try override(text, schema: schema)
            values[name] = value
        }
        for key in schema.keys where values[key.name] == nil {
            throw .missingRequired(key: key.name)
        }
        return RunConfig(schema: schema, checkedValues: values)
    }

    /// The values a YAML document gives, by dotted key; nil where it gives null.
    private static func fileValues(schema: ConfigSchema, yaml: String, source: String) throws(ConfigError) -> [String: ConfigValue?] {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw .invalidYAML(path: source, reason: error.briefDescription)
        } catch {
            throw .invalidYAML(path: source, reason: String(describing: error))
        }
        var values: [String: ConfigValue?] = [:]
        switch root {
        case nil:
            break
        case .mapping(let mapping):
            try collect(mapping, prefix: "", schema: schema, source: source, into: &values)
        case .scalar where root?.isNull == true:
            break
        default:
            throw .notAMapping(source: source, key: nil)
        }
        return values
    }

    /// Flattens `mapping` into dotted keys under `prefix`, converting each declared key's value.
    private static func collect(
        _ mapping: Node.Mapping, prefix: String, schema: ConfigSchema, source: String, into values: inout [String: ConfigValue?]
    ) throws(ConfigError) {
        for (keyNode, valueNode) in mapping {
            let segment = keyNode.scalar?.string ?? String(describing: keyNode)
            let name = prefix.isEmpty ? segment : prefix + "." + segment
            if let key = schema.key(named: name) {
                guard values[name] == nil else {
                    throw .duplicateKey(key: name, source: source)
                }
                values[name] = .some(try value(of: valueNode, for: key, source: source))
            } else if schema.isSection(name) {
                switch valueNode {
                case .mapping(let section):
                    try collect(section, prefix: name, schema: schema, source: source, into: &values)
                case .scalar where valueNode.isNull:
                    continue
                default:
                    throw .notAMapping(source: source, key: name)
                }
            } else {
                throw .unknownKey(key: name, source: source, suggestion: schema.suggestion(for: name))
            }
        }
    }

    /// The value of `node` for `key`, or nil for a YAML null.
    private static func value(of node: Node, for key: ConfigKey, source: String) throws(ConfigError) -> ConfigValue? {
        switch node {
        case .scalar(let scalar):
            if node.isNull { return nil }
            guard let value = ConfigValue.parse(scalar.string, as: key.kind) else {
                throw .wrongType(key: key.name, expected: key.kind, got: "\"\(scalar.string)\"", source: source)
            }
            return value
        case .sequence(let sequence) where key.kind == .stringList:
            var items: [String] = []
            for item in sequence {
                guard let scalar = item.scalar else {
                    throw .wrongType(key: key.name, expected: key.kind, got: "a list with a nested list or mapping", source: source)
                }
                items.append(scalar.string)
            }
            return .stringList(items)
        case .sequence:
            throw .wrongType(key: key.name, expected: key.kind, got: "a list", source: source)
        case .mapping:
            throw .wrongType(key: key.name, expected: key.kind, got: "a mapping", source: source)
        case .alias:
            throw .wrongType(key: key.name, expected: key.kind, got: "an unresolved alias", source: source)
        }
    }

    /// The key and value of one `--set key=value` argument.
    private static func override(_ text: String, schema: ConfigSchema) throws(ConfigError) -> (String, ConfigValue) {
        let source = "--set"
        guard let equals = text.firstIndex(of: "=") else {
            throw .badOverride(text: text)
        }
        let name = text[..<equals].trimmingCharacters(in: .whitespaces)
        let valueText = String(text[text.index(after: equals)...])
        guard !name.isEmpty else {
            throw .badOverride(text: text)
        }
        guard let key = schema.key(named: name) else {
            throw .unknownKey(key: name, source: source, suggestion: schema.suggestion(for: name))
        }
        if key.kind == .stringList, valueText.trimmingCharacters(in: .whitespaces).hasPrefix("[") {
            let node: Node?
            do {
                node = try Yams.compose(yaml: valueText)
            } catch {
                throw .wrongType(key: name, expected: key.kind, got: "\"\(valueText)\"", source: source)
            }
            guard let node, let value = try value(of: node, for: key, source: source) else {
                throw .wrongType(key: name, expected: key.kind, got: "\"\(valueText)\"", source: source)
            }
            return (name, value)
        }
        guard let value = ConfigValue.parse(valueText, as: key.kind) else {
            throw .wrongType(key: name, expected: key.kind, got: "\"\(valueText)\"", source: source)
        }
        return (name, value)
    }
}
