import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// File-system steps that make a checkpoint survive a crash or power loss: data must reach the
/// disk (fsync) before the rename that publishes it, and the rename itself must be synced in
/// the parent directory.
enum DurableFiles {
    /// Flushes the file or directory at `url` to stable storage.
    static func sync(_ url: URL) throws(CheckpointError) {
        let descriptor = open(url.path, O_RDONLY)
        guard descriptor >= 0 else {
            throw .io(path: url.path, detail: "cannot open for fsync: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else {
            throw .io(path: url.path, detail: "fsync failed: \(String(cString: strerror(errno)))")
        }
    }

    /// Renames `source` to `destination` atomically (one `rename(2)`); `destination` must not exist.
    static func move(_ source: URL, to destination: URL) throws(CheckpointError) {
        guard rename(source.path, destination.path) == 0 else {
            throw .io(path: source.path, detail: "cannot rename to \(destination.lastPathComponent): \(String(cString: strerror(errno)))")
        }
    }

    /// Removes `url` and everything under it.
    static func remove(_ url: URL) throws(CheckpointError) {
        do {
            try FileManager.default.removeItem(at: url)
        } catch {
            throw .io(path: url.path, detail: "cannot remove: \(error.localizedDescription)")
        }
    }

    /// Paths relative to `directory` of the regular files under it, and the subdirectories.
    static func contents(of directory: URL) throws(CheckpointError) -> (files: [String], directories: [String]) {
        let fileManager = FileManager.default
        let subpaths: [String]
        do {
            subpaths = try fileManager.subpathsOfDirectory(atPath: directory.path)
        } catch {
            throw .io(path: directory.path, detail: "cannot list: \(error.localizedDescription)")
        }
        var files: [String] = [], directories: [String] = []
        for path in subpaths.sorted() {
            var isDirectory: ObjCBool = false
            guard fileManager.fileExists(atPath: directory.appendingPathComponent(path).path, isDirectory: &isDirectory) else { continue }
            if isDirectory.boolValue { directories.append(path) } else { files.append(path) }
        }
        return (files, directories)
    }

    /// The size in bytes of the file at `url`, or nil if there is none.
    static func size(of url: URL) -> Int? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
              let size = attributes[.size] as? NSNumber
        else { return nil }
        return size.intValue
    }
}
