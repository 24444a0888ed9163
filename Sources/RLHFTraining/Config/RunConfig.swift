/// A command's fully resolved configuration: every key of its schema with a value from the
/// defaults, the YAML file or a `--set` override.
///
/// Reading a key the schema does not declare, or with the accessor of another kind, is a
/// programming error and stops the program; the values themselves never do.
public struct RunConfig: Equatable, Sendable {
    /// The schema the values belong to.
    public let schema: ConfigSchema
    private let values: [String: ConfigValue]

    /// A configuration from values already checked against `schema`: one per key, of its kind.
    init(schema: ConfigSchema, checkedValues: [String: ConfigValue]) {
        self.schema = schema
        values = checkedValues
    }

    /// The value of `key`.
    public func value(_ key: String) -> ConfigValue {
        guard let value = values[key] else {
            preconditionFailure("config key '\(key)' is not declared by the '\(schema.name)' schema")
        }
        return value
    }

    /// The value of the `.int` key `key`.
    public func int(_ key: String) -> Int {
        guard case .int(let value) = value(key) else { kindMismatch(key, .int) }
        return value
    }

    /// The value of the `.double` key `key`.
    public func double(_ key: String) -> Double {
        guard case .double(let value) = value(key) else { kindMismatch(key, .double) }
        return value
    }

    /// A `.double` key as `Float` (out-of-range values become infinite, as `Float(_:)` does).
    public func float(_ key: String) -> Float {
        Float(double(key))
    }

    /// The value of the `.bool` key `key`.
    public func bool(_ key: String) -> Bool {
        guard case .bool(let value) = value(key) else { kindMismatch(key, .bool) }
        return value
    }

    /// The value of the `.string` key `key`.
    public func string(_ key: String) -> String {
        guard case .string(let value) = value(key) else { kindMismatch(key, .string) }
        return value
    }

    /// A `.string` key, or nil when it is empty (the convention for "not set").
    public func optionalString(_ key: String) -> String? {
        let value = string(key)
        return value.isEmpty ? nil : value
    }

    /// The value of the `.stringList` key `key`.
    public func stringList(_ key: String) -> [String] {
        guard case .stringList(let value) = value(key) else { kindMismatch(key, .stringList) }
        return value
    }

    /// Throws `.invalidValue` for `key` with `reason` (e.g. "must be > 0") and the current value
    /// unless `condition` holds; for callers' range checks after loading.
    public func require(_ key: String, _ condition: Bool, _ reason: String) throws(ConfigError) {
        guard condition else {
            throw .invalidValue(key: key, reason: "\(reason) (got \(value(key)))")
        }
    }

    private func kindMismatch(_ key: String, _ kind: ConfigKind) -> Never {
        preconditionFailure("config key '\(key)' is a \(value(key).kind), read as a \(kind)")
    }
}
