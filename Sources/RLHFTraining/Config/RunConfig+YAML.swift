extension RunConfig {
    /// The resolved configuration as YAML, nested by section in schema order with each key's
    /// help as a comment; loading it back with the same schema gives an equal `RunConfig`.
    /// Every run directory keeps it as `config.yaml`, so a run can be reproduced exactly.
    public func yaml() -> String {
        var lines = ["# rlhf \(schema.name): resolved configuration (defaults, file and --set overrides)"]
        let entries = schema.keys.map { (segments: $0.name.split(separator: ".").map(String.init)[...], key: $0) }
        write(entries, indent: "", into: &lines)
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes keys that share the already written prefix, grouped by their next segment in
    /// order of first appearance, so that a section is opened once even if the schema
    /// interleaves sections.
    private func write(_ entries: [(segments: ArraySlice<String>, key: ConfigKey)], indent: String, into lines: inout [String]) {
        var order: [String] = []
        var groups: [String: [(segments: ArraySlice<String>, key: ConfigKey)]] = [:]
        for entry in entries {
            guard let head = entry.segments.first else { continue }
            if groups[head] == nil { order.append(head) }
            groups[head, default: []].append((entry.segments.dropFirst(), entry.key))
        }
        for head in order {
            let group = groups[head] ?? []
            if group.count == 1, group[0].segments.isEmpty {
                let key = group[0].key
                let help = key.help.isEmpty ? "" : "  # " + key.help.replacingOccurrences(of: "\n", with: " ")
                lines.append("\(indent)\(head): \(value(key.name))\(help)")
            } else {
                lines.append("\(indent)\(head):")
                write(group, indent: indent + "  ", into: &lines)
            }
        }
    }
}
