import Foundation
import Yams

extension RunConfig {
    /// Resolves a configuration from one section of a multi-stage YAML file: the mapping under
    /// the top-level key `section` (`sft:`, `rm:`, ...), so that one file such as
    /// `configs/demo.yaml` holds every stage's knobs.
    public static func load(schema: ConfigSchema, file: URL, section: String, overrides: [String]) throws(ConfigError) -> RunConfig {
        let path = file.relativePath
        guard let data = FileManager.default.contents(atPath: file.path), let text = String(data: data, encoding: .utf8) else {
            throw .unreadable(path: path, reason: "cannot read the file as UTF-8 text")
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw .invalidYAML(path: path, reason: String(describing: error))
        }
        guard case .mapping(let mapping) = root else { throw .notAMapping(source: path, key: nil) }
        guard let node = mapping[section] else {
            throw .missingSection(source: path, section: section, available: mapping.keys.compactMap(\.string))
        }
        guard case .mapping = node else { throw .notAMapping(source: path, key: section) }
        let body: String
        do {
            body = try Yams.serialize(node: node)
        } catch {
            throw .invalidYAML(path: path, reason: String(describing: error))
        }
        return try load(schema: schema, yaml: body, source: "\(path) [\(section)]", overrides: overrides)
    }
}
