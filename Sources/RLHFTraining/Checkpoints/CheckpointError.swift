/// A checkpoint that cannot be saved, verified or read. Every case names the checkpoint
/// directory and, where one is at fault, the file, with expected and actual values.
public indirect enum CheckpointError: Error, Equatable, CustomStringConvertible {
    /// The operating system refused to create, write, rename, sync or remove `path`.
    case io(path: String, detail: String)
    /// The caller's `write` closure threw while saving `step`; nothing was saved.
    case writeFailed(step: Int, detail: String)
    /// The directory has no `manifest.json`: the save never finished, or it is not a checkpoint.
    case missingManifest(directory: String)
    /// `manifest.json` cannot be parsed or describes something this version cannot check.
    case invalidManifest(directory: String, detail: String)
    /// A file the manifest lists is absent.
    case missingFile(directory: String, file: String)
    /// A file's size differs from the manifest's (typically truncated by a full disk or a kill).
    case sizeMismatch(directory: String, file: String, expected: Int, actual: Int)
    /// A file's SHA-256 differs from the manifest's (the bytes were changed or damaged).
    case checksumMismatch(directory: String, file: String, expected: String, actual: String)
    /// A file verifies but its content is not what a training checkpoint holds.
    case invalidContent(directory: String, file: String, detail: String)
    /// No checkpoint in `directory` verifies; `problems` says what is wrong with each one found.
    case noValidCheckpoint(directory: String, problems: [CheckpointError])

    public var description: String {
        switch self {
        case .io(let path, let detail):
            "\(path): \(detail)"
        case .writeFailed(let step, let detail):
            "writing the checkpoint of step \(step) failed, nothing was saved: \(detail)"
        case .missingManifest(let directory):
            "checkpoint \(directory) has no manifest.json (the save did not finish, or this is not a checkpoint)"
        case .invalidManifest(let directory, let detail):
            "checkpoint \(directory): manifest.json is invalid: \(detail)"
        case .missingFile(let directory, let file):
            "checkpoint \(directory): \(file) is listed in manifest.json but missing"
        case .sizeMismatch(let directory, let file, let expected, let actual):
            "checkpoint \(directory): \(file) has \(actual) bytes but manifest.json says \(expected) (truncated or overwritten)"
        case .checksumMismatch(let directory, let file, let expected, let actual):
            "checkpoint \(directory): \(file) has SHA-256 \(actual) but manifest.json says \(expected) (the file is damaged)"
        case .invalidContent(let directory, let file, let detail):
            "checkpoint \(directory): \(file): \(detail)"
        case .noValidCheckpoint(let directory, let problems):
            problems.isEmpty
                ? "no checkpoint in \(directory) (start without resuming, or check the run directory)"
                : "no valid checkpoint in \(directory):\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
        }
    }
}
