import Foundation

/// An answer that could not be saved or taken back.
public enum LabelStoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The output's name does not end in `.jsonl`, so the preference loaders would not read it.
    case notJSONLines(path: String)
    /// Creating, writing, syncing or replacing the file failed.
    case cannotWrite(path: String, reason: String)
    /// The file no longer ends with the answer to undo: another program wrote to it meanwhile.
    case undoConflict(path: String, id: String)

    public var description: String {
        switch self {
        case .notJSONLines(let path):
            "\(path): the output must be a .jsonl file so that rlhf rm and rlhf eval read it as preference pairs; name it e.g. preferences.jsonl"
        case .cannotWrite(let path, let reason):
            "\(path): cannot write: \(reason)"
        case .undoConflict(let path, let id):
            "\(path): cannot undo the answer to pair \"\(id)\": the file no longer ends with it, so another program wrote to it during this session; nothing was removed, delete that answer's line by hand if it is wrong"
        }
    }
}

/// The accepted shape of an output line when resuming, for error messages.
private let answerShapes = #"{"id","label",...} lines as rlhf label writes them; pass a new --output to start afresh"#

/// Saves labelling answers the moment they are given, so that an interrupted session loses none
/// and the next one resumes where it stopped.
///
/// Preferences (`a` and `b`) go to the output as `{"id","label","prompt","chosen","rejected"}`
/// lines, which the preference loaders read as they are. Ties and skips teach nothing and would
/// stop those loaders (no `"chosen"`), so they go to a sidecar file beside it (`prefs.jsonl` has
/// `prefs.skipped.jsonl`) as `{"id","label"}` lines, kept only so that they are not asked again.
/// Each answer is written and synced with `fsync` before the call that saves it returns.
public struct LabelStore: Sendable {
    /// The preference JSONL.
    public let outputURL: URL
    /// The sidecar for ties and skips.
    public let skippedURL: URL

    /// A store writing to `output`, which must be named `*.jsonl`; neither file need exist yet.
    public init(output: URL) throws(LabelStoreError) {
        let name = output.lastPathComponent
        guard name.lowercased().hasSuffix(".jsonl") else { throw .notJSONLines(path: output.path) }
        outputURL = output
        skippedURL = output.deletingLastPathComponent()
            .appendingPathComponent(name.dropLast(".jsonl".count) + ".skipped.jsonl")
    }

    /// The file that holds answers with `label`.
    public func url(for label: PairLabel) -> URL {
        label.expressesPreference ? outputURL : skippedURL
    }

    /// The ids of every pair answered in either file, by any earlier session.
    ///
    /// - Throws: `DataError` naming the file and line of a line that is not an answer (e.g. an
    ///   output path that holds other preference data).
    public func answeredIDs() throws(DataError) -> Set<String> {
        var ids = Set<String>()
        for url in [outputURL, skippedURL] where FileManager.default.fileExists(atPath: url.path) {
            let reader = try LineReader(url: url)
            while let line = try reader.next() {
                guard !isBlank(line.text) else { continue }
                let record = try JSONRecord(line, path: reader.path, shapes: answerShapes)
                let id = try record.string("id")
                let label = try record.string("label")
                guard PairLabel(rawValue: label) != nil else {
                    throw .invalidValue(
                        path: record.path, line: record.line, field: "label",
                        reason: "is \"\(label)\", expected one of \(PairLabel.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                ids.insert(id)
            }
        }
        return ids
    }

    /// Appends `answer` to its file, creating the file if needed, and syncs it to disk.
    public func append(_ answer: LabelAnswer) throws(LabelStoreError) {
        let url = url(for: answer.label)
        var bytes = try encodedLine(answer, path: url.path)
        let existed = FileManager.default.fileExists(atPath: url.path)
        let file = open(url.path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard file >= 0 else { throw .cannotWrite(path: url.path, reason: systemError()) }
        defer { close(file) }
        // A file edited by hand may lack its final newline; the answer must not join that line.
        if let last = try lastByte(of: file, path: url.path), last != UInt8(ascii: "\n") {
            bytes.insert(UInt8(ascii: "\n"), at: 0)
        }
        try writeAll(bytes, to: file, path: url.path)
        guard fsync(file) == 0 else { throw .cannotWrite(path: url.path, reason: systemError()) }
        if !existed {
            try syncDirectory(of: url)
        }
    }

    /// Removes `answer`, the last line of its file, by writing the rest to a temporary file and
    /// renaming it over the original, so that a crash leaves either the old or the new file.
    ///
    /// - Throws: `LabelStoreError.undoConflict`, changing nothing, if the file does not end with
    ///   `answer`.
    public func remove(_ answer: LabelAnswer) throws(LabelStoreError) {
        let url = url(for: answer.label)
        let line = try encodedLine(answer, path: url.path)
        let contents: [UInt8]
        do {
            contents = Array(try Data(contentsOf: url))
        } catch {
            throw .cannotWrite(path: url.path, reason: "cannot read it back to undo: \(error.localizedDescription)")
        }
        guard contents.count >= line.count, contents.suffix(line.count).elementsEqual(line) else {
            throw .undoConflict(path: url.path, id: answer.pair.id)
        }
        try replaceContents(of: url, with: contents.dropLast(line.count))
    }

    /// The JSON line, with its newline, that records `answer`.
    private func encodedLine(_ answer: LabelAnswer, path: String) throws(LabelStoreError) -> [UInt8] {
        let encoder = JSONEncoder()
        // Sorted keys make the bytes of an answer the same on every encoding, which undo compares.
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            let data = if let preference = answer.preference {
                try encoder.encode(PreferenceLine(
                    id: answer.pair.id, label: answer.label.rawValue,
                    prompt: preference.prompt, chosen: preference.chosen, rejected: preference.rejected))
            } else {
                try encoder.encode(SkipLine(id: answer.pair.id, label: answer.label.rawValue))
            }
            return Array(data) + [UInt8(ascii: "\n")]
        } catch {
            throw .cannotWrite(path: path, reason: "cannot encode the answer to pair \"\(answer.pair.id)\" as JSON: \(error)")
        }
    }

    /// Writes `bytes` to a temporary file beside `url`, syncs it and renames it over `url`.
    private func replaceContents(of url: URL, with bytes: ArraySlice<UInt8>) throws(LabelStoreError) {
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).undo-\(getpid())")
        var status = stat()
        let mode = stat(url.path, &status) == 0 ? status.st_mode & 0o7777 : 0o644
        let file = open(temporary.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard file >= 0 else { throw .cannotWrite(path: temporary.path, reason: systemError()) }
        do throws(LabelStoreError) {
            defer { close(file) }
            try writeAll(Array(bytes), to: file, path: temporary.path)
            guard fsync(file) == 0 else { throw .cannotWrite(path: temporary.path, reason: systemError()) }
        } catch {
            unlink(temporary.path)
            throw error
        }
        guard rename(temporary.path, url.path) == 0 else {
            let reason = systemError()
            unlink(temporary.path)
            throw .cannotWrite(path: url.path, reason: reason)
        }
        try syncDirectory(of: url)
    }
}

extension PairLabel {
    /// Whether the label prefers one response, so that the answer is a preference pair.
    var expressesPreference: Bool {
        self == .a || self == .b
    }
}

/// An answer that prefers a response: a preference pair plus its id and label.
private struct PreferenceLine: Encodable {
    let id: String
    let label: String
    let prompt: String
    let chosen: String
    let rejected: String
}

/// A tie or a skip: only what a resumed session needs to not ask again.
private struct SkipLine: Encodable {
    let id: String
    let label: String
}

/// The last byte of the open file, or `nil` if it is empty.
private func lastByte(of file: Int32, path: String) throws(LabelStoreError) -> UInt8? {
    var status = stat()
    guard fstat(file, &status) == 0 else { throw .cannotWrite(path: path, reason: systemError()) }
    guard status.st_size > 0 else { return nil }
    var byte: UInt8 = 0
    guard pread(file, &byte, 1, status.st_size - 1) == 1 else { throw .cannotWrite(path: path, reason: systemError()) }
    return byte
}

/// Writes all of `bytes`, retrying short writes and interrupted calls.
private func writeAll(_ bytes: [UInt8], to file: Int32, path: String) throws(LabelStoreError) {
    var offset = 0
    while offset < bytes.count {
        let written = bytes[offset...].withUnsafeBytes { write(file, $0.baseAddress, $0.count) }
        if written < 0 {
            guard errno == EINTR else { throw .cannotWrite(path: path, reason: systemError()) }
            continue
        }
        offset += written
    }
}

/// Syncs the directory holding `url`, so that a file created or renamed there survives a crash.
private func syncDirectory(of url: URL) throws(LabelStoreError) {
    let path = url.deletingLastPathComponent().path
    let directory = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard directory >= 0 else { throw .cannotWrite(path: path, reason: systemError()) }
    defer { close(directory) }
    guard fsync(directory) == 0 else { throw .cannotWrite(path: path, reason: systemError()) }
}

/// The message of the last failed system call.
private func systemError() -> String {
    String(cString: strerror(errno))
}
