/// The keys one command (`pretrain`, `sft`, `rm`, `eval`, ...) accepts in its configuration.
public struct ConfigSchema: Equatable, Sendable {
    /// The command the schema belongs to, e.g. `sft`.
    public let name: String
    /// The keys in documentation order.
    public let keys: [ConfigKey]
    private let positions: [String: Int]
    /// Every proper dotted prefix of a key (`train` for `train.lr`): the YAML mappings that group keys.
    private let sections: Set<String>

    /// A schema; key names must be unique and no key may also be a section of another key
    /// (`train` and `train.lr` together could not both be written in YAML).
    public init(name: String, keys: [ConfigKey]) {
        var positions: [String: Int] = [:]
        var sections: Set<String> = []
        for (position, key) in keys.enumerated() {
            precondition(positions.updateValue(position, forKey: key.name) == nil, "config key '\(key.name)' is declared twice in '\(name)'")
            let segments = key.name.split(separator: ".")
            for length in 1..<segments.count {
                sections.insert(segments[..<length].joined(separator: "."))
            }
        }
        for section in sections {
            precondition(positions[section] == nil, "config key '\(section)' of '\(name)' is also a section of other keys")
        }
        self.name = name
        self.keys = keys
        self.positions = positions
        self.sections = sections
    }

    /// The key named `name`, or nil if the schema does not declare it.
    public func key(named name: String) -> ConfigKey? {
        positions[name].map { keys[$0] }
    }

    /// Whether `name` groups keys (is a proper dotted prefix of at least one key).
    func isSection(_ name: String) -> Bool {
        sections.contains(name)
    }

    /// The declared key a person most likely meant by the unknown `name`: the closest by edit
    /// distance when it is within a third of the name's length (at least 2), otherwise the only
    /// key whose last segment is the same (`lr` for `train.lr`), otherwise nil.
    func suggestion(for name: String) -> String? {
        let scored = keys.map { (name: $0.name, distance: editDistance(name, $0.name)) }
        if let best = scored.min(by: { $0.distance < $1.distance }), best.distance <= max(2, name.count / 3) {
            return best.name
        }
        let leaf = name.split(separator: ".").last.map(String.init) ?? name
        let sameLeaf = keys.filter { $0.name.split(separator: ".").last.map(String.init) == leaf }
        return sameLeaf.count == 1 ? sameLeaf[0].name : nil
    }

    /// The keys as a Markdown table (`| key | type | default | meaning |`), for the README.
    public func markdownTable() -> String {
        var lines = ["| key | type | default | meaning |", "|---|---|---|---|"]
        for key in keys {
            let defaultText = key.defaultValue.map { "`\($0)`" } ?? "required"
            let help = key.help.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
            lines.append("| `\(key.name)` | \(key.kind) | \(defaultText) | \(help) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
