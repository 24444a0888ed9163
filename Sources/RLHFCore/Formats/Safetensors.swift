import Foundation

/// One named tensor of a safetensors file, with its elements converted to `Float`.
public struct SafetensorsTensor: Equatable, Sendable {
    /// The tensor's key in the file's header, e.g. `model.norm.weight`.
    public var name: String
    /// Row-major shape; `[]` is a scalar.
    public var shape: [Int]
    /// The elements in row-major order; `data.count` is the product of `shape`.
    public var data: [Float]

    public init(name: String, shape: [Int], data: [Float]) {
        self.name = name
        self.shape = shape
        self.data = data
    }
}

/// A tensor to write (`SafetensorsFile.write(_:metadata:to:)`), whose values are read in place
/// when the file is written: an array, or a range of a `FloatBuffer` (a checkpoint's weights and
/// optimiser moments, which are never copied).
public struct SafetensorsOutput {
    /// Where the values live.
    public enum Values {
        case array([Float])
        /// `count` floats of `buffer` from `offset`.
        case buffer(FloatBuffer, offset: Int, count: Int)
    }

    /// The tensor's key in the file's header.
    public var name: String
    /// Row-major shape; the product of its dimensions must be the number of values.
    public var shape: [Int]
    public var values: Values

    public init(name: String, shape: [Int], values: Values) {
        self.name = name
        self.shape = shape
        self.values = values
    }

    var count: Int {
        switch values {
        case .array(let array): array.count
        case .buffer(_, _, let count): count
        }
    }

    /// Calls `body` with the values' bytes (Float's in-memory layout is already little-endian
    /// on every platform Swift runs on here).
    func withBytes(_ body: (UnsafeRawBufferPointer) throws(FormatError) -> Void) throws(FormatError) {
        switch values {
        case .array(let array):
            // `withUnsafeBytes` rethrows untyped errors, so the typed error travels in a Result.
            try array.withUnsafeBytes { raw in Result { () throws(FormatError) in try body(raw) } }.get()
        case .buffer(let buffer, let offset, let count):
            precondition(offset >= 0 && count >= 0 && offset + count <= buffer.count,
                         "tensor '\(name)': floats \(offset)..<\(offset + count) lie outside a buffer of \(buffer.count)")
            try body(UnsafeRawBufferPointer(start: buffer.pointer + offset, count: count * MemoryLayout<Float>.size))
        }
    }
}

/// A safetensors file: an 8-byte little-endian header length, a JSON header mapping tensor
/// names to dtype, shape and byte range, then the raw little-endian tensor data.
///
/// Reading accepts F32, F16, BF16, I32 and I64 tensors and converts them to `Float`; writing
/// always stores F32. Every header value is checked against the file's size before anything is
/// allocated from it, so a damaged or hostile file yields a `FormatError`, never a crash.
public struct SafetensorsFile: Equatable, Sendable {
    /// The tensors, in the order of their data in the file.
    public var tensors: [SafetensorsTensor]
    /// The header's `__metadata__` strings.
    public var metadata: [String: String]

    public init(tensors: [SafetensorsTensor] = [], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    /// The tensor with the given name, if the file has one.
    public func tensor(named name: String) -> SafetensorsTensor? {
        tensors.first { $0.name == name }
    }

    /// Reads and validates the safetensors file at `url`.
    public init(contentsOf url: URL) throws(FormatError) {
        let path = url.path
        let bytes = try readFormatFile(url)
        // `withUnsafeBytes` rethrows untyped errors, so the typed error travels in a Result.
        self = try bytes.withUnsafeBytes { raw in
            Result { () throws(FormatError) in try SafetensorsFile(parsing: raw, path: path) }
        }.get()
    }

    /// Writes the tensors as F32 with `__metadata__` `{"format": "pt"}` merged with `metadata`.
    ///
    /// The file is written to a temporary name and renamed into place, so a failed write never
    /// leaves a partial file at `url`.
    public func write(to url: URL) throws(FormatError) {
        try Self.write(tensors.map { SafetensorsOutput(name: $0.name, shape: $0.shape, values: .array($0.data)) },
                       metadata: metadata, to: url)
    }

    /// Writes `outputs` as F32 tensors in the given order, with `__metadata__` `{"format": "pt"}`
    /// merged with `metadata`: the header first, then each tensor's values streamed from where
    /// they live, so that writing holds no copy of the file in memory.
    ///
    /// The file is written to a temporary name and renamed into place, so a failed write never
    /// leaves a partial file at `url`.
    public static func write(_ outputs: [SafetensorsOutput], metadata: [String: String] = [:], to url: URL) throws(FormatError) {
        let header = try header(for: outputs, metadata: metadata, path: url.path)
        try writeAtomically(to: url) { (file: inout AtomicFileWriter) throws(FormatError) in
            try file.append(header)
            for output in outputs {
                try output.withBytes { (bytes) throws(FormatError) in try file.append(bytes) }
            }
        }
    }

    /// The 8-byte header length and the JSON header, padded with spaces to a multiple of 8, of a
    /// file holding `outputs` contiguously in that order. `path` only names the destination in errors.
    private static func header(for outputs: [SafetensorsOutput], metadata: [String: String], path: String) throws(FormatError) -> Data {
        var header: [String: Any] = [:]
        var offset = 0
        for output in outputs {
            guard output.name != Self.metadataKey, header[output.name] == nil else {
                throw .unwritable(path: path, detail: "tensor name '\(output.name)' is used twice or is the reserved key")
            }
            guard output.shape.allSatisfy({ $0 >= 0 }), Self.elementCount(output.shape) == output.count else {
                throw .unwritable(path: path, detail: "tensor '\(output.name)' has shape \(output.shape) but \(output.count) values")
            }
            let end = offset + output.count * 4
            header[output.name] = ["dtype": "F32", "shape": output.shape, "data_offsets": [offset, end]] as [String: Any]
            offset = end
        }
        header[Self.metadataKey] = ["format": "pt"].merging(metadata) { _, given in given }

        var json: Data
        do {
            json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys, .withoutEscapingSlashes])
        } catch {
            throw .unwritable(path: path, detail: "header cannot be encoded as JSON: \(error.localizedDescription)")
        }
        // The format recommends 8-byte alignment of the data section; spaces are valid JSON padding.
        json.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - json.count % 8) % 8))
        var bytes = Data(capacity: 8 + json.count)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(json)
        return bytes
    }

    private static let metadataKey = "__metadata__"

    /// Product of `shape`, or nil when it overflows `Int`.
    private static func elementCount(_ shape: [Int]) -> Int? {
        var count = 1
        for dimension in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            if overflow { return nil }
            count = product
        }
        return count
    }
}

// MARK: - Parsing

extension SafetensorsFile {
    /// A header entry whose dtype, shape and byte range have been checked against the file.
    private struct Entry {
        let name: String
        let dtype: DType
        let shape: [Int]
        let count: Int
        let begin: Int
        let end: Int
    }

    /// The element types this reader converts to `Float`.
    private enum DType: String {
        case f32 = "F32", f16 = "F16", bf16 = "BF16", i32 = "I32", i64 = "I64"

        var size: Int {
            switch self {
            case .f16, .bf16: 2
            case .f32, .i32: 4
            case .i64: 8
            }
        }
    }

    private init(parsing raw: UnsafeRawBufferPointer, path: String) throws(FormatError) {
        guard raw.count >= 8 else {
            throw .truncated(path: path, detail: "file has \(raw.count) bytes, fewer than the 8-byte header length")
        }
        let claimed = UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self))
        guard claimed <= UInt64(raw.count - 8) else {
            throw .truncated(path: path, detail: "header length is \(claimed) bytes but only \(raw.count - 8) bytes follow it")
        }
        let headerLength = Int(claimed)
        let dataStart = 8 + headerLength
        let dataSize = raw.count - dataStart

        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(raw[8..<dataStart]))
        } catch {
            throw .corrupt(path: path, detail: "header is not valid JSON: \(error.localizedDescription)")
        }
        guard let header = object as? [String: Any] else {
            throw .corrupt(path: path, detail: "header is not a JSON object")
        }

        var metadata: [String: String] = [:]
        var entries: [Entry] = []
        for (name, value) in header {
            if name == Self.metadataKey {
                guard let strings = value as? [String: String] else {
                    throw .corrupt(path: path, detail: "__metadata__ must map strings to strings")
                }
                metadata = strings
            } else {
                entries.append(try Self.entry(name: name, value: value, dataSize: dataSize, path: path))
            }
        }

        entries.sort { ($0.begin, $0.end) < ($1.begin, $1.end) }
        for (previous, next) in zip(entries, entries.dropFirst()) where next.begin < previous.end {
            throw .corrupt(path: path, detail: "tensors '\(previous.name)' [\(previous.begin), \(previous.end)) and '\(next.name)' [\(next.begin), \(next.end)) overlap")
        }

        let tensors = entries.map { entry in
            SafetensorsTensor(
                name: entry.name, shape: entry.shape,
                data: Self.convert(UnsafeRawBufferPointer(rebasing: raw[(dataStart + entry.begin)..<(dataStart + entry.end)]), entry.dtype, count: entry.count))
        }
        self.init(tensors: tensors, metadata: metadata)
    }

    /// Validates one header entry against the size of the data section.
    private static func entry(name: String, value: Any, dataSize: Int, path: String) throws(FormatError) -> Entry {
        guard let fields = value as? [String: Any],
              let dtypeName = fields["dtype"] as? String,
              let shapeValues = fields["shape"] as? [Any],
              let offsetValues = fields["data_offsets"] as? [Any]
        else {
            throw .corrupt(path: path, detail: "tensor '\(name)' needs 'dtype' (string), 'shape' and 'data_offsets' (arrays)")
        }
        guard let dtype = DType(rawValue: dtypeName) else {
            throw .unsupportedDType(path: path, tensor: name, dtype: dtypeName)
        }
        let shape = shapeValues.compactMap { $0 as? Int }
        guard shape.count == shapeValues.count, shape.allSatisfy({ $0 >= 0 }) else {
            throw .corrupt(path: path, detail: "tensor '\(name)' has shape \(shapeValues), not a list of non-negative integers")
        }
        let offsets = offsetValues.compactMap { $0 as? Int }
        guard offsets.count == 2, offsetValues.count == 2, offsets[0] >= 0, offsets[0] <= offsets[1] else {
            throw .corrupt(path: path, detail: "tensor '\(name)' has data_offsets \(offsetValues), expected [begin, end] with 0 <= begin <= end")
        }
        let (begin, end) = (offsets[0], offsets[1])
        guard end <= dataSize else {
            throw .truncated(path: path, detail: "tensor '\(name)' has data_offsets [\(begin), \(end)) but the data section holds only \(dataSize) bytes")
        }
        guard let count = elementCount(shape), case (let byteCount, false) = count.multipliedReportingOverflow(by: dtype.size) else {
            throw .corrupt(path: path, detail: "tensor '\(name)' has shape \(shape), whose size overflows")
        }
        guard byteCount == end - begin else {
            throw .corrupt(path: path, detail: "tensor '\(name)' of shape \(shape) and dtype \(dtypeName) needs \(byteCount) bytes but data_offsets [\(begin), \(end)) span \(end - begin)")
        }
        return Entry(name: name, dtype: dtype, shape: shape, count: count, begin: begin, end: end)
    }

    /// Converts `count` little-endian elements of `dtype` to `Float`.
    private static func convert(_ bytes: UnsafeRawBufferPointer, _ dtype: DType, count: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { out, initialized in
            for i in 0..<count {
                out[i] = switch dtype {
                case .f32: Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
                case .f16: Self.float(half: UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
                case .bf16: Float(bitPattern: UInt32(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) << 16)
                case .i32: Float(Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self)))
                case .i64: Float(Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self)))
                }
            }
            initialized = count
        }
    }

    /// IEEE 754 binary16 to binary32, by hand because `Float16` is unavailable on some hosts.
    private static func float(half bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = UInt32(bits >> 10) & 0x1F
        let mantissa = UInt32(bits) & 0x3FF
        switch exponent {
        case 0:
            // Zero or subnormal: mantissa * 2^-24, exact in Float.
            let magnitude = Float(mantissa) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        case 0x1F:
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        default:
            return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
        }
    }
}
