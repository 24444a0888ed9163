
/// The `tensorflow.Event` protocol buffers that a TensorBoard event file holds, encoded by hand
/// so that writing event files needs no protobuf library. Only the fields TensorBoard reads for
/// scalars are written:
///
/// ```
/// message Event { double wall_time = 1; int64 step = 2; oneof what { string file_version = 3; Summary summary = 5; } }
/// message Summary { repeated Value value = 1; message Value { string tag = 1; float simple_value = 2; } }
/// ```
enum TensorBoardEvent {
    /// The event that opens every file, naming the format version TensorBoard expects.
    static func fileVersion(wallTime: Double) -> [UInt8] {
        var event = ProtobufWriter()
        event.double(field: 1, wallTime)
        event.string(field: 3, "brain.Event:2")
        return event.bytes
    }

    /// A scalar summary: `value` of `tag` at `step`. TensorBoard stores scalars as 32-bit floats.
    static func scalar(step: Int, tag: String, value: Double, wallTime: Double) -> [UInt8] {
        var summaryValue = ProtobufWriter()
        summaryValue.string(field: 1, tag)
        summaryValue.float(field: 2, Float(value))
        var summary = ProtobufWriter()
        summary.message(field: 1, summaryValue.bytes)
        var event = ProtobufWriter()
        event.double(field: 1, wallTime)
        event.int64(field: 2, Int64(step))
        event.message(field: 5, summary.bytes)
        return event.bytes
    }
}

/// Protocol buffer wire format: each field is a key (field number and wire type) and a value.
private struct ProtobufWriter {
    private(set) var bytes: [UInt8] = []

    private enum WireType: UInt64 {
        case varint = 0, fixed64 = 1, lengthDelimited = 2, fixed32 = 5
    }

    mutating func double(field: Int, _ value: Double) {
        key(field, .fixed64)
        littleEndian(value.bitPattern)
    }

    mutating func float(field: Int, _ value: Float) {
        key(field, .fixed32)
        littleEndian(value.bitPattern)
    }

    /// Negative values take ten bytes, as two's complement (int64, not the zigzag of sint64).
    mutating func int64(field: Int, _ value: Int64) {
        key(field, .varint)
        varint(UInt64(bitPattern: value))
    }

    mutating func string(field: Int, _ value: String) {
        message(field: field, Array(value.utf8))
    }

    mutating func message(field: Int, _ encoded: [UInt8]) {
        key(field, .lengthDelimited)
        varint(UInt64(encoded.count))
        bytes += encoded
    }

    private mutating func key(_ field: Int, _ type: WireType) {
        varint(UInt64(field) << 3 | type.rawValue)
    }

    /// Seven bits per byte, least significant first, the high bit set on all but the last.
    private mutating func varint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(rest & 0x7F) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    private mutating func littleEndian(_ value: some FixedWidthInteger) {
        withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
    }
}
