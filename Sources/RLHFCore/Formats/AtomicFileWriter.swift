import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Appends pieces of a file to a temporary file beside its destination; see `writeAtomically`.
struct AtomicFileWriter {
    private let destination: URL
    private let temporary: URL
    private var descriptor: Int32

    fileprivate init(destination: URL) throws(FormatError) {
        self.destination = destination
        let name = ".\(destination.lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
        temporary = destination.deletingLastPathComponent().appendingPathComponent(name)
        descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw .io(path: destination.path, detail: "cannot create a temporary file beside it: \(Self.lastError)")
        }
    }

    /// Appends `bytes`.
    mutating func append(_ bytes: UnsafeRawBufferPointer) throws(FormatError) {
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
            let written = write(descriptor, base + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw .io(path: destination.path, detail: "cannot write: \(Self.lastError)")
            }
            offset += written
        }
    }

    /// Appends `data`.
    mutating func append(_ data: Data) throws(FormatError) {
        // `withUnsafeBytes` rethrows untyped errors, so the typed error travels in a Result.
        try data.withUnsafeBytes { raw in
            Result { () throws(FormatError) in try append(raw) }
        }.get()
    }

    /// Closes the temporary file and renames it to the destination, replacing any file there.
    fileprivate mutating func finish() throws(FormatError) {
        let closed = close(descriptor)
        descriptor = -1
        guard closed == 0 else { throw .io(path: destination.path, detail: "cannot close: \(Self.lastError)") }
        guard rename(temporary.path, destination.path) == 0 else {
            throw .io(path: destination.path, detail: "cannot rename the temporary file into place: \(Self.lastError)")
        }
    }

    /// Closes and removes the temporary file, leaving the destination as it was.
    fileprivate mutating func discard() {
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
        unlink(temporary.path)
    }

    private static var lastError: String { String(cString: strerror(errno)) }
}

/// Writes a file piece by piece through `body` into a temporary file beside `url`, then renames
/// it into place: a reader never sees a partial file, and on any error the temporary file is
/// removed and `url` is untouched.
///
/// Unlike `Data.write(to:options: .atomic)`, the whole file never has to be in memory: a
/// checkpoint streams its tensors straight from the parameter and optimiser buffers.
func writeAtomically(to url: URL, _ body: (inout AtomicFileWriter) throws(FormatError) -> Void) throws(FormatError) {
    var writer = try AtomicFileWriter(destination: url)
    do {
        try body(&writer)
        try writer.finish()
    } catch {
        writer.discard()
        throw error
    }
}
