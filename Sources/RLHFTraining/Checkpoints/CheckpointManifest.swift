import Foundation

/// The `manifest.json` of a checkpoint directory: which files it holds, with their sizes and
/// SHA-256 digests, so that a damaged or half-written checkpoint is detected before resuming.
public struct CheckpointManifest: Codable, Equatable, Sendable {
    /// Size and digest of one file.
    public struct FileEntry: Codable, Equatable, Sendable {
        /// Size in bytes.
        public var bytes: Int
        /// Lowercase hex, as `sha256sum` prints it.
        public var sha256: String

        public init(bytes: Int, sha256: String) {
            self.bytes = bytes
            self.sha256 = sha256
        }
    }

    /// The layout version this code writes; readers reject newer ones.
    public static let currentFormatVersion = 1
    /// The manifest's file name inside a checkpoint directory.
    public static let fileName = "manifest.json"

    /// The layout version the checkpoint was written with.
    public var formatVersion: Int
    /// The training step the checkpoint was saved at.
    public var step: Int
    /// Creation time, ISO 8601 in UTC.
    public var created: String
    /// Entries keyed by path relative to the checkpoint directory (`model.safetensors`).
    public var files: [String: FileEntry]

    public init(step: Int, created: Date, files: [String: FileEntry]) {
        formatVersion = Self.currentFormatVersion
        self.step = step
        self.created = ISO8601DateFormatter().string(from: created)
        self.files = files
    }

    enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version"
        case step, created, files
    }

    /// The manifest of the checkpoint `directory`.
    public static func read(from directory: URL) throws(CheckpointError) -> CheckpointManifest {
        let url = directory.appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: directory.path) else {
            throw .io(path: directory.path, detail: "no such checkpoint directory")
        }
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw .missingManifest(directory: directory.path)
        }
        let manifest: CheckpointManifest
        do {
            manifest = try JSONDecoder().decode(CheckpointManifest.self, from: Data(contentsOf: url))
        } catch {
            throw .invalidManifest(directory: directory.path, detail: String(describing: error))
        }
        guard manifest.formatVersion <= currentFormatVersion else {
            throw .invalidManifest(directory: directory.path, detail: "format version \(manifest.formatVersion) is newer than this program's (\(currentFormatVersion)); update rlhf")
        }
        for name in manifest.files.keys where !isContained(name) {
            throw .invalidManifest(directory: directory.path, detail: "file name \"\(name)\" is not a path inside the checkpoint")
        }
        return manifest
    }

    func encoded() throws(CheckpointError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            return try encoder.encode(self)
        } catch {
            throw .io(path: Self.fileName, detail: "cannot encode the manifest: \(error)")
        }
    }

    /// Whether `name` stays inside the directory: relative, without `..` or empty components.
    private static func isContained(_ name: String) -> Bool {
        !name.hasPrefix("/") && name.split(separator: "/", omittingEmptySubsequences: false).allSatisfy { !$0.isEmpty && $0 != ".." && $0 != "." }
    }
}
