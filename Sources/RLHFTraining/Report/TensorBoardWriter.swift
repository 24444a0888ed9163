import Foundation

/// Writes scalars to a new TensorBoard event file, `events.out.tfevents.<seconds>.<host>` in a
/// directory, that `tensorboard --logdir` shows live.
///
/// The file is a TFRecord stream: each record is the data's length (uint64, little-endian), the
/// masked CRC-32C of those 8 bytes, the data (one `Event` protocol buffer), and the masked
/// CRC-32C of the data. The first record names the format version. Every `add` reaches the
/// operating system at once, so TensorBoard sees a running job's values as they come and a
/// crash loses nothing already added.
///
/// Copies of a writer share its file; `close` closes it for all of them.
public struct TensorBoardWriter {
    /// The event file.
    public let url: URL
    private let handle: FileHandle

    /// Creates a new event file in `directory` (created if needed), never overwriting one: when
    /// another writer took the name in the same second, a `.1`, `.2`, ... suffix is added.
    ///
    /// - Parameter wallTime: the time recorded in the file's first event, in seconds since 1970.
    public init(directory: URL, wallTime: Double = Date().timeIntervalSince1970) throws(ReportError) {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw .io(path: directory.path, detail: "cannot create the event file directory: \(error.localizedDescription)")
        }
        // Named by the time of creation, as TensorFlow does, whatever times the events carry.
        let created = Int64(Date().timeIntervalSince1970)
        let stem = String(format: "events.out.tfevents.%010lld.", created) + ProcessInfo.processInfo.hostName
        var candidate = directory.appendingPathComponent(stem)
        var suffix = 0
        var descriptor = open(candidate.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        while descriptor < 0, errno == EEXIST {
            suffix += 1
            candidate = directory.appendingPathComponent("\(stem).\(suffix)")
            descriptor = open(candidate.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        }
        guard descriptor >= 0 else {
            throw .io(path: candidate.path, detail: "cannot create the event file: \(String(cString: strerror(errno)))")
        }
        url = candidate
        handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        try write(TensorBoardEvent.fileVersion(wallTime: wallTime))
    }

    /// Appends `value` of the scalar `tag` at `step`, stored as a 32-bit float as TensorBoard
    /// does: NaN and infinities are kept (TensorBoard marks them), larger magnitudes become
    /// infinite. `wallTime` is in seconds since 1970.
    public func add(step: Int, tag: String, value: Double, wallTime: Double = Date().timeIntervalSince1970) throws(ReportError) {
        try write(TensorBoardEvent.scalar(step: step, tag: tag, value: value, wallTime: wallTime))
    }

    /// Closes the file; later `add` calls throw.
    public func close() throws(ReportError) {
        do {
            try handle.close()
        } catch {
            throw .io(path: url.path, detail: "cannot close the event file: \(error.localizedDescription)")
        }
    }

    private func write(_ event: [UInt8]) throws(ReportError) {
        do {
            try handle.write(contentsOf: Self.record(event))
        } catch {
            throw .io(path: url.path, detail: "cannot append to the event file (closed, or the disk is full?): \(error.localizedDescription)")
        }
    }

    /// `data` framed as one TFRecord.
    private static func record(_ data: [UInt8]) -> Data {
        var record = Data()
        record.reserveCapacity(data.count + 16)
        let length = withUnsafeBytes(of: UInt64(data.count).littleEndian) { Array($0) }
        record.append(contentsOf: length)
        withUnsafeBytes(of: CRC32C.masked(CRC32C.checksum(length)).littleEndian) { record.append(contentsOf: $0) }
        record.append(contentsOf: data)
        withUnsafeBytes(of: CRC32C.masked(CRC32C.checksum(data)).littleEndian) { record.append(contentsOf: $0) }
        return record
    }
}
