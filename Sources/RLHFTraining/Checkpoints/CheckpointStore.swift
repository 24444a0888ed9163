import Foundation

/// The checkpoints of one run, as `step-00000100` directories under `directory`.
///
/// A save is atomic: files are written into a temporary directory, listed with their SHA-256 in
/// `manifest.json`, synced to disk and only then renamed into place, so a crash at any moment
/// leaves either the old set of checkpoints or the new one, never a half-written checkpoint
/// under a `step-` name. Use one store per run, in the one process that writes checkpoints.
public struct CheckpointStore: Sendable {
    /// The directory holding the checkpoints, e.g. `runs/x/checkpoints`.
    public let directory: URL
    /// How many of the newest checkpoints a save keeps; 0 or less keeps them all.
    public let keep: Int

    /// Opens the store and cleans up after a save that was killed: temporary directories
    /// (`.tmp-*`) are removed, and a checkpoint that was being replaced (`.replaced-*`) is
    /// removed if its replacement was published, or else put back under its name.
    public init(directory: URL, keep: Int) throws(CheckpointError) {
        self.directory = directory
        self.keep = keep
        for name in Self.entries(of: directory) {
            let url = directory.appendingPathComponent(name, isDirectory: true)
            if name.hasPrefix(Self.temporaryPrefix) {
                try DurableFiles.remove(url)
            } else if let originalName = Self.originalName(ofReplaced: name) {
                let original = directory.appendingPathComponent(originalName, isDirectory: true)
                if FileManager.default.fileExists(atPath: original.path) {
                    try DurableFiles.remove(url)
                } else {
                    try DurableFiles.move(url, to: original)
                }
            }
        }
    }

    /// Saves the checkpoint of `step`: `write` fills the directory it is given, the store adds
    /// `manifest.json` and publishes it as `step-<8 digits>`, replacing an earlier save of the
    /// same step. Then older checkpoints beyond `keep` are removed (never the one just saved).
    ///
    /// On any failure, including `write` throwing, the temporary directory is removed and the
    /// existing checkpoints are untouched; a failure while pruning comes after the new
    /// checkpoint is safely in place.
    /// - Returns: the new checkpoint's directory.
    @discardableResult
    public func save(step: Int, write: (URL) throws -> Void) throws(CheckpointError) -> URL {
        precondition(step >= 0, "checkpoint step must be non-negative, got \(step)")
        let name = Self.directoryName(step: step)
        let final = directory.appendingPathComponent(name, isDirectory: true)
        let temporary = directory.appendingPathComponent("\(Self.temporaryPrefix)\(name)-\(ProcessInfo.processInfo.processIdentifier)", isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true)
        } catch {
            throw .io(path: temporary.path, detail: "cannot create directory: \(error.localizedDescription)")
        }
        do throws(CheckpointError) {
            do {
                try write(temporary)
            } catch {
                throw CheckpointError.writeFailed(step: step, detail: String(describing: error))
            }
            try Self.seal(temporary, step: step)
            try publish(temporary, as: final)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
        try prune(keeping: final)
        return final
    }

    /// The checkpoint directories, oldest step first (without verifying them).
    public func checkpoints() -> [URL] {
        Self.entries(of: directory)
            .compactMap { name in Self.step(ofDirectoryNamed: name).map { (step: $0, name: name) } }
            .sorted { $0.step < $1.step }
            .map { directory.appendingPathComponent($0.name, isDirectory: true) }
    }

    /// The newest checkpoint that verifies, with the problems of the newer ones passed over,
    /// so that a resume can say "step-200 is damaged (...), resuming from step-100".
    public func latestValid() throws(CheckpointError) -> (url: URL, step: Int, skipped: [CheckpointError]) {
        var skipped: [CheckpointError] = []
        for url in checkpoints().reversed() {
            do {
                try Self.verify(url)
                let step = Self.step(ofDirectoryNamed: url.lastPathComponent) ?? 0
                return (url, step, skipped)
            } catch {
                skipped.append(error)
            }
        }
        throw .noValidCheckpoint(directory: directory.path, problems: skipped)
    }

    /// Checks the checkpoint at `url` against its manifest: every listed file is present with
    /// the listed size and SHA-256, and the manifest's step matches the directory name.
    public static func verify(_ url: URL) throws(CheckpointError) {
        let manifest = try CheckpointManifest.read(from: url)
        if let step = step(ofDirectoryNamed: url.lastPathComponent), step != manifest.step {
            throw .invalidManifest(directory: url.path, detail: "it records step \(manifest.step) but the directory is named for step \(step)")
        }
        for (name, entry) in manifest.files.sorted(by: { $0.key < $1.key }) {
            let file = url.appendingPathComponent(name)
            guard let size = DurableFiles.size(of: file) else {
                throw .missingFile(directory: url.path, file: name)
            }
            guard size == entry.bytes else {
                throw .sizeMismatch(directory: url.path, file: name, expected: entry.bytes, actual: size)
            }
            let digest: String
            do {
                digest = try SHA256.hexDigest(ofFile: file)
            } catch {
                throw .io(path: file.path, detail: "cannot read: \(error.localizedDescription)")
            }
            guard digest == entry.sha256 else {
                throw .checksumMismatch(directory: url.path, file: name, expected: entry.sha256, actual: digest)
            }
        }
    }

    /// `step-00000100` for step 100: fixed width so that names sort like steps in a listing.
    public static func directoryName(step: Int) -> String {
        let digits = String(step)
        return "step-" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }

    // MARK: - Private

    private static let temporaryPrefix = ".tmp-"
    private static let replacedPrefix = ".replaced-"

    /// The step of a `step-<digits>` name, or nil for any other name.
    private static func step(ofDirectoryNamed name: String) -> Int? {
        guard name.hasPrefix("step-") else { return nil }
        let digits = name.dropFirst("step-".count)
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(digits)
    }

    /// `step-00000100` for `.replaced-step-00000100-<pid>`, nil for any other name.
    private static func originalName(ofReplaced name: String) -> String? {
        guard name.hasPrefix(replacedPrefix) else { return nil }
        let rest = name.dropFirst(replacedPrefix.count)
        guard let dash = rest.lastIndex(of: "-") else { return nil }
        let original = String(rest[..<dash])
        return step(ofDirectoryNamed: original) == nil ? nil : original
    }

    private static func entries(of directory: URL) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
    }

    /// Writes the manifest of everything in `directory` and syncs every file and directory.
    private static func seal(_ directory: URL, step: Int) throws(CheckpointError) {
        let (files, subdirectories) = try DurableFiles.contents(of: directory)
        var entries: [String: CheckpointManifest.FileEntry] = [:]
        for name in files where name != CheckpointManifest.fileName {
            let file = directory.appendingPathComponent(name)
            let digest: String
            do {
                digest = try SHA256.hexDigest(ofFile: file)
            } catch {
                throw .io(path: file.path, detail: "cannot read: \(error.localizedDescription)")
            }
            entries[name] = .init(bytes: DurableFiles.size(of: file) ?? 0, sha256: digest)
            try DurableFiles.sync(file)
        }
        let manifestURL = directory.appendingPathComponent(CheckpointManifest.fileName)
        do {
            try CheckpointManifest(step: step, created: Date(), files: entries).encoded().write(to: manifestURL)
        } catch let error as CheckpointError {
            throw error
        } catch {
            throw .io(path: manifestURL.path, detail: "cannot write: \(error.localizedDescription)")
        }
        try DurableFiles.sync(manifestURL)
        for name in subdirectories.reversed() {
            try DurableFiles.sync(directory.appendingPathComponent(name))
        }
        try DurableFiles.sync(directory)
    }

    /// Renames the sealed `temporary` to `final`. An existing `final` is first renamed to
    /// `.replaced-<name>-<pid>` and removed only once the new checkpoint is in place; if
    /// publishing fails it is renamed back, and after a crash the next store init does so.
    private func publish(_ temporary: URL, as final: URL) throws(CheckpointError) {
        guard FileManager.default.fileExists(atPath: final.path) else {
            try DurableFiles.move(temporary, to: final)
            try DurableFiles.sync(directory)
            return
        }
        let replaced = directory.appendingPathComponent(
            "\(Self.replacedPrefix)\(final.lastPathComponent)-\(ProcessInfo.processInfo.processIdentifier)", isDirectory: true)
        try DurableFiles.move(final, to: replaced)
        do {
            try DurableFiles.move(temporary, to: final)
        } catch {
            try? DurableFiles.move(replaced, to: final)
            throw error
        }
        try DurableFiles.sync(directory)
        try DurableFiles.remove(replaced)
    }

    /// Removes the oldest checkpoints so that `keep` remain, always keeping `saved`.
    private func prune(keeping saved: URL) throws(CheckpointError) {
        guard keep > 0 else { return }
        let others = checkpoints().filter { $0.lastPathComponent != saved.lastPathComponent }
        for url in others.dropLast(keep - 1) {
            try DurableFiles.remove(url)
        }
    }
}
