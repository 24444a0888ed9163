import CZlib
import Foundation

/// Streams the lines of a text file, gunzipping it on the fly when it is gzip-compressed.
///
/// Reading goes through zlib's `gzread`, which decompresses gzip data and passes any other file
/// through unchanged, so `data.jsonl` and `data.jsonl.gz` read the same way. Lines end at `\n`
/// or `\r\n` (the terminator is not part of the line); a last line without a terminator is still
/// a line; a UTF-8 byte-order mark at the start of the file is dropped. Lines may be of any
/// length. Only the current chunk and the current line are held in memory.
///
/// ```swift
/// let reader = try LineReader(url: url)
/// while let line = try reader.next() {
///     print(line.number, line.text)
/// }
/// ```
public final class LineReader {
    /// One line of the file.
    public struct Line: Equatable, Sendable {
        /// The 1-based line number, counting every line including blank and invalid ones.
        public var number: Int
        /// The line's text without its terminator.
        public var text: String

        public init(number: Int, text: String) {
            self.number = number
            self.text = text
        }
    }

    /// The file's path as error messages show it.
    public let path: String
    /// The number of the last line returned or rejected (0 before the first).
    public private(set) var lineNumber = 0

    private let file: gzFile
    private var chunk: [UInt8]
    private var chunkStart = 0
    private var chunkEnd = 0
    /// The start of a line whose end lies beyond the current chunk.
    private var carry: [UInt8] = []
    private var reachedEnd = false

    private static let chunkSize = 1 << 16
    private static let newline = UInt8(ascii: "\n")
    private static let carriageReturn = UInt8(ascii: "\r")
    private static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    /// Opens the file at `url` for reading.
    ///
    /// - Throws: `DataError.cannotOpen` if the file does not exist, is a directory or may not be read.
    public init(url: URL) throws(DataError) {
        path = url.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .cannotOpen(path: path, reason: "no such file")
        }
        // zlib would open a directory and only fail on the first read, with a vaguer message.
        guard !isDirectory.boolValue else {
            throw .cannotOpen(path: path, reason: "is a directory, expected a file")
        }
        guard let file = gzopen(path, "rb") else {
            throw .cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        // zlib's default 8 KiB input buffer costs a system call per few lines of JSONL.
        gzbuffer(file, UInt32(Self.chunkSize))
        self.file = file
        chunk = [UInt8](repeating: 0, count: Self.chunkSize)
    }

    deinit {
        gzclose(file)
    }

    /// Returns the next line, or `nil` at the end of the file.
    ///
    /// After a line that is not valid UTF-8 has been reported, the next call continues with the
    /// line after it, so a caller may skip bad lines.
    ///
    /// - Throws: `DataError.invalidUTF8` for a line that is not valid UTF-8, and
    ///   `DataError.unreadable` if the file cannot be read or its gzip stream is truncated or corrupt.
    public func next() throws(DataError) -> Line? {
        while true {
            if let newlineIndex = chunk[chunkStart..<chunkEnd].firstIndex(of: Self.newline) {
                let lineStart = chunkStart
                chunkStart = newlineIndex + 1
                return try makeLine(chunkRange: lineStart..<newlineIndex)
            }
            carry.append(contentsOf: chunk[chunkStart..<chunkEnd])
            chunkStart = chunkEnd
            if !reachedEnd, try refill() {
                continue
            }
            reachedEnd = true
            guard !carry.isEmpty else { return nil }
            return try makeLine(chunkRange: chunkEnd..<chunkEnd)
        }
    }

    /// Reads the next chunk of decompressed bytes; returns `false` at the end of the file.
    private func refill() throws(DataError) -> Bool {
        let count = chunk.withUnsafeMutableBytes { buffer in
            gzread(file, buffer.baseAddress, UInt32(buffer.count))
        }
        if count > 0 {
            chunkStart = 0
            chunkEnd = Int(count)
            return true
        }
        // gzread reports a gzip stream that breaks off as a plain end of file; only gzerror tells.
        var status: Int32 = Z_OK
        let message = gzerror(file, &status).map { String(cString: $0) } ?? ""
        switch status {
        case Z_OK, Z_STREAM_END:
            return false
        case Z_BUF_ERROR:
            throw .unreadable(
                path: path, afterLine: lineNumber,
                reason: "the compressed data ends unexpectedly (\(message)); the .gz file is truncated, e.g. by an interrupted download")
        case Z_ERRNO:
            throw .unreadable(path: path, afterLine: lineNumber, reason: String(cString: strerror(errno)))
        default:
            throw .unreadable(
                path: path, afterLine: lineNumber,
                reason: "the compressed data is corrupt (\(message)); re-download or re-compress the file")
        }
    }

    /// Builds the line made of `carry` followed by `chunk[chunkRange]`, and clears `carry`.
    private func makeLine(chunkRange: Range<Int>) throws(DataError) -> Line {
        lineNumber += 1
        let text: String?
        if carry.isEmpty {
            text = chunk.withUnsafeBufferPointer { buffer in
                decodeLine(UnsafeBufferPointer(rebasing: buffer[chunkRange]))
            }
        } else {
            carry.append(contentsOf: chunk[chunkRange])
            text = carry.withUnsafeBufferPointer { decodeLine($0) }
            carry.removeAll(keepingCapacity: true)
        }
        guard let text else { throw .invalidUTF8(path: path, line: lineNumber) }
        return Line(number: lineNumber, text: text)
    }

    /// The text of one line's bytes without its `\r` terminator and the file's byte-order mark,
    /// or `nil` if they are not valid UTF-8.
    private func decodeLine(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        var bytes = bytes[...]
        if lineNumber == 1, bytes.starts(with: Self.byteOrderMark) {
            bytes = bytes.dropFirst(Self.byteOrderMark.count)
        }
        if bytes.last == Self.carriageReturn {
            bytes = bytes.dropLast()
        }
        return String(validating: UnsafeBufferPointer(rebasing: bytes), as: UTF8.self)
    }
}
