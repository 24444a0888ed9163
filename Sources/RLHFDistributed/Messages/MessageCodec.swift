// Fields are written as the host's bytes and read back by copying whole arrays, which is what
// makes encoding a batch of rollouts a few memcpys; that is only little-endian on
// little-endian hosts, the only kind Swift's server platforms (x86-64, arm64) have.
#if !_endian(little)
#error("the message format is little-endian and this codec copies host bytes as they are")
#endif

/// What a message carries; the third byte of its header.
public enum MessageKind: UInt8, Sendable, CustomStringConvertible {
    /// Rollouts an actor sends to a reference or reward rank.
    case scoringRequest = 1
    /// A reference rank's per-token log-probs of the rollouts of a scoring request.
    case logProbsReply = 2
    /// A reward rank's scores of the rollouts of a scoring request.
    case scoresReply = 3
    /// Scored rollouts an actor sends to a learner.
    case experienceBatch = 4
    /// A rank's timings and counts of one iteration, sent to rank 0 for the metrics.
    case stepReport = 5

    /// `scoring request`, for error messages.
    public var description: String {
        switch self {
        case .scoringRequest: "scoring request"
        case .logProbsReply: "log-probs reply"
        case .scoresReply: "scores reply"
        case .experienceBatch: "experience batch"
        case .stepReport: "step report"
        }
    }
}

/// A message ranks exchange as plain binary: a header (magic, format version, kind) followed by
/// little-endian fixed-width fields (Int64 for integers, Int32 tokens, Float32 values, one byte
/// for booleans; arrays are an Int64 count and their elements).
public protocol WireMessage: Sendable {
    /// The kind written into the header, which decoding checks.
    static var kind: MessageKind { get }
    /// The message as bytes to send.
    func encoded() -> [UInt8]
    /// Decodes bytes made by `encoded()`; throws, never traps, on any other bytes.
    init(decoding bytes: [UInt8]) throws(MessageError)
}

/// The header every message starts with.
enum MessageHeader {
    /// `RLHM`: rlhf message.
    static let magic: [UInt8] = [0x52, 0x4C, 0x48, 0x4D]
    /// Raised whenever a message's layout changes, so that mixed builds fail with a clear error.
    static let version: UInt8 = 1
    /// Magic, version and kind.
    static let size = magic.count + 2
}

/// Builds a message's bytes field by field, after its header.
public struct MessageWriter {
    /// The message so far.
    public private(set) var bytes: [UInt8]

    /// Starts a message of `kind`, reserving room for `capacity` bytes in all (an estimate
    /// that saves reallocations).
    public init(kind: MessageKind, capacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(max(capacity, MessageHeader.size))
        bytes.append(contentsOf: MessageHeader.magic)
        bytes.append(MessageHeader.version)
        bytes.append(kind.rawValue)
    }

    /// Writes an integer as an Int64.
    public mutating func write(_ value: Int) {
        withUnsafeBytes(of: Int64(value)) { bytes.append(contentsOf: $0) }
    }

    /// Writes a Float32.
    public mutating func write(_ value: Float) {
        withUnsafeBytes(of: value) { bytes.append(contentsOf: $0) }
    }

    /// Writes a boolean as one byte, 0 or 1.
    public mutating func write(_ value: Bool) {
        bytes.append(value ? 1 : 0)
    }

    /// Writes the count and the tokens.
    public mutating func write(_ values: [Int32]) { writeArray(values) }

    /// Writes the count and the Float32 values.
    public mutating func write(_ values: [Float]) { writeArray(values) }

    /// Writes the count and the integers as Int64s.
    public mutating func write(_ values: [Int]) { writeArray(values.map(Int64.init)) }

    private mutating func writeArray<Element: BitwiseCopyable>(_ values: [Element]) {
        write(values.count)
        values.withUnsafeBytes { bytes.append(contentsOf: $0) }
    }

    /// The encoded size of an array of `count` elements of `elementSize` bytes each.
    static func arraySize(count: Int, elementSize: Int) -> Int { 8 + count * elementSize }
}

/// Reads a message's fields in the order they were written, checking every length against the
/// bytes left, so that malformed bytes throw instead of trapping or allocating more memory than
/// the message could hold.
public struct MessageReader {
    private let bytes: [UInt8]
    private let kind: MessageKind
    /// The byte the next field starts at.
    private var offset: Int

    /// Checks the header of `bytes` and starts reading after it.
    public init(_ bytes: [UInt8], expecting kind: MessageKind) throws(MessageError) {
        self.bytes = bytes
        self.kind = kind
        offset = 0
        try need(MessageHeader.magic.count)
        guard bytes.starts(with: MessageHeader.magic) else { throw .badMagic }
        offset = MessageHeader.magic.count
        try need(2)
        guard bytes[offset] == MessageHeader.version else {
            throw .unsupportedVersion(got: bytes[offset], supported: MessageHeader.version)
        }
        guard bytes[offset + 1] == kind.rawValue else {
            throw .wrongKind(expected: kind, got: bytes[offset + 1])
        }
        offset += 2
    }

    /// Reads an Int64 as an integer.
    public mutating func readInt() throws(MessageError) -> Int {
        let start = offset
        let value = try readScalar(Int64.self)
        guard let int = Int(exactly: value) else {
            throw invalid("the integer \(value) at byte \(start) does not fit this platform's Int")
        }
        return int
    }

    /// Reads a Float32.
    public mutating func readFloat() throws(MessageError) -> Float {
        try readScalar(Float.self)
    }

    /// Reads a one-byte boolean, which must be 0 or 1.
    public mutating func readBool() throws(MessageError) -> Bool {
        let start = offset
        switch try readScalar(UInt8.self) {
        case 0: return false
        case 1: return true
        case let byte: throw invalid("the boolean at byte \(start) is \(byte), not 0 or 1")
        }
    }

    /// Reads an array of tokens.
    public mutating func readInt32Array() throws(MessageError) -> [Int32] {
        try readArray(Int32.self)
    }

    /// Reads an array of Float32 values.
    public mutating func readFloatArray() throws(MessageError) -> [Float] {
        try readArray(Float.self)
    }

    /// Reads an array of integers written as Int64s.
    public mutating func readIntArray() throws(MessageError) -> [Int] {
        let start = offset
        let values = try readArray(Int64.self)
        var ints = [Int]()
        ints.reserveCapacity(values.count)
        for value in values {
            guard let int = Int(exactly: value) else {
                throw invalid("the integer \(value) in the array at byte \(start) does not fit Int")
            }
            ints.append(int)
        }
        return ints
    }

    /// Reads the count of an array whose elements each take at least `minimumElementSize`
    /// bytes, e.g. an array of arrays (8 bytes each for their own counts), and checks that the
    /// bytes left can hold that many.
    public mutating func readCount(minimumElementSize: Int) throws(MessageError) -> Int {
        let start = offset
        let count = try readScalar(Int64.self)
        guard count >= 0 else {
            throw invalid("the count at byte \(start) is negative (\(count))")
        }
        let remaining = bytes.count - offset
        // Divides rather than multiplies so that a huge count cannot overflow the check.
        guard count <= remaining / max(minimumElementSize, 1) else {
            throw invalid(
                "the count at byte \(start) is \(count), but the \(remaining) bytes left hold at "
                    + "most \(remaining / max(minimumElementSize, 1)) elements of "
                    + "\(minimumElementSize) bytes")
        }
        return Int(count)
    }

    /// Checks that every byte was read: trailing bytes mean the sender wrote a different layout.
    public func finish() throws(MessageError) {
        guard offset == bytes.count else {
            throw invalid(
                "\(bytes.count - offset) unexpected bytes after the last field, at byte \(offset)")
        }
    }

    /// An `.invalid` error whose detail names the message kind.
    public func invalid(_ detail: String) -> MessageError {
        .invalid(detail: "\(kind): \(detail)")
    }

    private func need(_ count: Int) throws(MessageError) {
        guard count <= bytes.count - offset else {
            throw .truncated(kind: kind, expected: count, at: offset)
        }
    }

    private mutating func readScalar<Value: BitwiseCopyable>(
        _: Value.Type
    ) throws(MessageError) -> Value {
        try need(MemoryLayout<Value>.size)
        let value = bytes.withUnsafeBytes {
            $0.loadUnaligned(fromByteOffset: offset, as: Value.self)
        }
        offset += MemoryLayout<Value>.size
        return value
    }

    private mutating func readArray<Element: BitwiseCopyable>(
        _: Element.Type
    ) throws(MessageError) -> [Element] {
        let count = try readCount(minimumElementSize: MemoryLayout<Element>.size)
        let start = offset
        offset += count * MemoryLayout<Element>.size
        return [Element](unsafeUninitializedCapacity: count) { elements, initialized in
            bytes.withUnsafeBytes { source in
                UnsafeMutableRawBufferPointer(elements).copyMemory(
                    from: UnsafeRawBufferPointer(rebasing: source[start..<offset]))
            }
            initialized = count
        }
    }
}
