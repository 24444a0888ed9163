import Foundation
import RLHFCore
import Testing

/// A fresh directory under the system temporary directory, removed by the caller.
private func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("safetensors-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// The bytes of a safetensors file with the given header text (unpadded) and data section.
private func rawFile(header: String, data: [UInt8] = []) -> Data {
    var bytes = Data()
    withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { bytes.append(contentsOf: $0) }
    bytes.append(contentsOf: Array(header.utf8))
    bytes.append(contentsOf: data)
    return bytes
}

/// Little-endian bytes of each value.
private func littleEndianBytes<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
    values.flatMap { value in withUnsafeBytes(of: value.littleEndian) { Array($0) } }
}

/// Each test gets a fresh instance, so a fresh temporary directory, removed in `deinit`.
@Suite final class SafetensorsTests {
    let directory: URL

    init() throws {
        directory = try makeTemporaryDirectory()
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }

    /// Writes `bytes` to a file in the test directory and reads it back as safetensors.
    private func read(_ bytes: Data, name: String = "test.safetensors") throws -> SafetensorsFile {
        let url = directory.appendingPathComponent(name)
        try bytes.write(to: url)
        return try SafetensorsFile(contentsOf: url)
    }

    /// The FormatError that reading `bytes` throws, or nil when it succeeds.
    private func readError(_ bytes: Data) -> FormatError? {
        do {
            _ = try read(bytes)
            return nil
        } catch let error as FormatError {
            return error
        } catch {
            Issue.record("expected a FormatError, got \(error)")
            return nil
        }
    }

    @Test func roundTripKeepsOrderShapesValuesAndMetadata() throws {
        let tensors = [
            SafetensorsTensor(name: "z.first", shape: [2, 3], data: [1, -2, 3.5, .pi, -0, 1e-30]),
            SafetensorsTensor(name: "a.scalar", shape: [], data: [42]),
            SafetensorsTensor(name: "m.empty", shape: [0, 4], data: []),
            SafetensorsTensor(name: "b.vector", shape: [5], data: [0, 1, 2, 3, .greatestFiniteMagnitude]),
        ]
        let url = directory.appendingPathComponent("model.safetensors")
        try SafetensorsFile(tensors: tensors, metadata: ["step": "12"]).write(to: url)

        let loaded = try SafetensorsFile(contentsOf: url)
        #expect(loaded.tensors == tensors)
        #expect(loaded.metadata == ["format": "pt", "step": "12"])
        #expect(loaded.tensor(named: "a.scalar")?.data == [42])
        #expect(loaded.tensor(named: "absent") == nil)

        // Layout on disk: header length a multiple of 8, offsets contiguous in the given order.
        let bytes = try Data(contentsOf: url)
        let headerLength = bytes.prefix(8).withUnsafeBytes { Int(UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))) }
        #expect(headerLength % 8 == 0)
        let header = try #require(try JSONSerialization.jsonObject(with: bytes[8..<(8 + headerLength)]) as? [String: Any])
        var offset = 0
        for tensor in tensors {
            let entry = try #require(header[tensor.name] as? [String: Any])
            #expect(entry["dtype"] as? String == "F32")
            #expect(entry["data_offsets"] as? [Int] == [offset, offset + 4 * tensor.data.count])
            offset += 4 * tensor.data.count
        }
        #expect(bytes.count == 8 + headerLength + offset)
    }

    @Test func readsHalfBFloatAndIntegerDTypesAsFloat() throws {
        let f16: [UInt16] = [0x3C00, 0xC000, 0x3800, 0x0001, 0x7C00, 0x8000]  // 1, -2, 0.5, 2^-24, inf, -0
        let bf16: [UInt16] = [0x3F80, 0xC060]  // 1, -3.5
        let i32: [Int32] = [-7, 123_456]
        let i64: [Int64] = [1 << 40]
        let data = littleEndianBytes(f16) + littleEndianBytes(bf16) + littleEndianBytes(i32) + littleEndianBytes(i64)
        let header = """
        {"h":{"dtype":"F16","shape":[2,3],"data_offsets":[0,12]},
         "b":{"dtype":"BF16","shape":[2],"data_offsets":[12,16]},
         "i":{"dtype":"I32","shape":[2],"data_offsets":[16,24]},
         "l":{"dtype":"I64","shape":[1],"data_offsets":[24,32]}}
        """
        let file = try read(rawFile(header: header, data: data))
        #expect(file.tensors.map(\.name) == ["h", "b", "i", "l"])
        #expect(file.tensor(named: "h")?.data == [1, -2, 0.5, 0x1p-24, .infinity, -0])
        #expect(file.tensor(named: "h")?.data.last?.sign == .minus)
        #expect(file.tensor(named: "b")?.data == [1, -3.5])
        #expect(file.tensor(named: "i")?.data == [-7, 123_456])
        #expect(file.tensor(named: "l")?.data == [Float(1 << 40)])
        #expect(file.metadata.isEmpty)
    }

    @Test func fileShorterThanLengthFieldIsTruncated() {
        let error = readError(Data([1, 2, 3, 4, 5]))
        guard case .truncated(let path, let detail)? = error else {
            Issue.record("expected truncated, got \(String(describing: error))")
            return
        }
        #expect(path.hasSuffix("test.safetensors"))
        #expect(detail.contains("5 bytes"))
    }

    @Test func headerLengthBeyondFileIsTruncated() {
        var bytes = rawFile(header: "{}")
        bytes.replaceSubrange(0..<8, with: littleEndianBytes([UInt64(1_000_000)]))
        guard case .truncated(_, let detail)? = readError(bytes) else {
            Issue.record("expected truncated")
            return
        }
        #expect(detail.contains("1000000"))
    }

    @Test func absurdHeaderLengthIsRefusedWithoutAllocating() {
        var bytes = rawFile(header: "{}")
        bytes.replaceSubrange(0..<8, with: littleEndianBytes([UInt64.max]))
        guard case .truncated? = readError(bytes) else {
            Issue.record("expected truncated")
            return
        }
    }

    @Test func nonJSONHeaderIsCorrupt() {
        guard case .corrupt(_, let detail)? = readError(rawFile(header: "not json at all")) else {
            Issue.record("expected corrupt")
            return
        }
        #expect(detail.contains("JSON"))
    }

    @Test func headerThatIsNotAnObjectIsCorrupt() {
        guard case .corrupt? = readError(rawFile(header: "[1, 2]")) else {
            Issue.record("expected corrupt")
            return
        }
    }

    @Test(arguments: ["F64", "U8", "BOOL", "F8_E4M3", "Q4_K"])
    func unsupportedDTypeNamesTheTensor(dtype: String) {
        let header = #"{"w":{"dtype":"\#(dtype)","shape":[1],"data_offsets":[0,8]}}"#
        let error = readError(rawFile(header: header, data: Array(repeating: 0, count: 8)))
        #expect(error == .unsupportedDType(path: directory.appendingPathComponent("test.safetensors").path, tensor: "w", dtype: dtype))
        #expect(error?.description.contains("'w'") == true)
    }

    @Test func offsetsBeyondDataAreTruncated() {
        let header = #"{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#
        guard case .truncated(_, let detail)? = readError(rawFile(header: header, data: Array(repeating: 0, count: 12))) else {
            Issue.record("expected truncated")
            return
        }
        #expect(detail.contains("'w'") && detail.contains("12 bytes"))
    }

    @Test func offsetsDisagreeingWithShapeAreCorrupt() {
        let header = #"{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,12]}}"#
        guard case .corrupt(_, let detail)? = readError(rawFile(header: header, data: Array(repeating: 0, count: 16))) else {
            Issue.record("expected corrupt")
            return
        }
        #expect(detail.contains("needs 16 bytes") && detail.contains("span 12"))
    }

    @Test(arguments: [#"[8,0]"#, #"[-4,0]"#, #"[0]"#, #"[0,1,2]"#, #"["0","4"]"#, #"[0,4.5]"#])
    func malformedOffsetsAreCorrupt(offsets: String) {
        let header = #"{"w":{"dtype":"F32","shape":[1],"data_offsets":\#(offsets)}}"#
        guard case .corrupt? = readError(rawFile(header: header, data: Array(repeating: 0, count: 8))) else {
            Issue.record("expected corrupt for data_offsets \(offsets)")
            return
        }
    }

    @Test func overlappingTensorsAreCorrupt() {
        let header = """
        {"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},
         "b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}
        """
        guard case .corrupt(_, let detail)? = readError(rawFile(header: header, data: Array(repeating: 0, count: 12))) else {
            Issue.record("expected corrupt")
            return
        }
        #expect(detail.contains("overlap"))
    }

    @Test(arguments: [#"[-1]"#, #"[2,-3]"#, #"[1.5]"#, #"["2"]"#, #"7"#])
    func malformedShapesAreCorrupt(shape: String) {
        let header = #"{"w":{"dtype":"F32","shape":\#(shape),"data_offsets":[0,4]}}"#
        guard case .corrupt? = readError(rawFile(header: header, data: Array(repeating: 0, count: 4))) else {
            Issue.record("expected corrupt for shape \(shape)")
            return
        }
    }

    /// Shapes whose element count overflows, or exceeds the file, fail before any allocation:
    /// were they allocated, these would ask for terabytes and crash the test process.
    @Test(arguments: [
        #"{"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}}"#,
        #"{"w":{"dtype":"I64","shape":[2305843009213693952],"data_offsets":[0,8]}}"#,
        #"{"w":{"dtype":"F32","shape":[1099511627776],"data_offsets":[0,4398046511104]}}"#,
        #"{"w":{"dtype":"F32","shape":[1099511627776],"data_offsets":[0,8]}}"#,
    ])
    func hugeClaimedShapesAreRefusedWithoutAllocating(header: String) {
        let error = readError(rawFile(header: header, data: Array(repeating: 0, count: 8)))
        switch error {
        case .corrupt?, .truncated?: break
        default: Issue.record("expected corrupt or truncated, got \(String(describing: error))")
        }
    }

    @Test func nonStringMetadataIsCorrupt() {
        let header = #"{"__metadata__":{"format":"pt","epoch":3}}"#
        guard case .corrupt(_, let detail)? = readError(rawFile(header: header)) else {
            Issue.record("expected corrupt")
            return
        }
        #expect(detail.contains("__metadata__"))
    }

    @Test func missingFileIsAnIOError() {
        let url = directory.appendingPathComponent("absent.safetensors")
        #expect(throws: FormatError.self) { try SafetensorsFile(contentsOf: url) }
        do {
            _ = try SafetensorsFile(contentsOf: url)
        } catch {
            guard case .io(let path, _) = error else {
                Issue.record("expected io, got \(error)")
                return
            }
            #expect(path == url.path)
        }
    }

    @Test func writingATensorWhoseShapeDisagreesWithItsDataFailsWithoutAFile() {
        let url = directory.appendingPathComponent("bad.safetensors")
        let file = SafetensorsFile(tensors: [SafetensorsTensor(name: "w", shape: [2, 2], data: [1, 2, 3])])
        do {
            try file.write(to: url)
            Issue.record("expected an error")
        } catch {
            guard case .unwritable(let path, let detail) = error else {
                Issue.record("expected unwritable, got \(error)")
                return
            }
            #expect(path == url.path)
            #expect(detail.contains("'w'") && detail.contains("[2, 2]") && detail.contains("3 values"))
        }
        #expect(!FileManager.default.fileExists(atPath: url.path))
        let duplicate = SafetensorsFile(tensors: [
            SafetensorsTensor(name: "w", shape: [1], data: [1]), SafetensorsTensor(name: "w", shape: [1], data: [2]),
        ])
        #expect(throws: FormatError.self) { try duplicate.write(to: url) }
    }
    @Test func tensorsWrittenFromBufferRangesReadBackAsTheSameValues() throws {
        let buffer = FloatBuffer((0..<10).map { Float($0) * 0.5 - 1 })
        let url = directory.appendingPathComponent("streamed.safetensors")
        try SafetensorsFile.write([
            SafetensorsOutput(name: "head", shape: [2, 2], values: .buffer(buffer, offset: 0, count: 4)),
            SafetensorsOutput(name: "list", shape: [3], values: .array([7, 8, 9])),
            SafetensorsOutput(name: "tail", shape: [6], values: .buffer(buffer, offset: 4, count: 6)),
        ], metadata: ["step": "3"], to: url)

        let loaded = try SafetensorsFile(contentsOf: url)
        #expect(loaded.tensors.map(\.name) == ["head", "list", "tail"])
        #expect(loaded.tensor(named: "head")?.data == Array(buffer.array[0..<4]))
        #expect(loaded.tensor(named: "list")?.data == [7, 8, 9])
        #expect(loaded.tensor(named: "tail")?.data == Array(buffer.array[4..<10]))
        #expect(loaded.metadata["step"] == "3")
    }

    @Test func aFailedWriteLeavesTheOldFileAndNoTemporaryFile() throws {
        let url = directory.appendingPathComponent("kept.safetensors")
        let good = SafetensorsFile(tensors: [SafetensorsTensor(name: "w", shape: [2], data: [1, 2])])
        try good.write(to: url)
        let bad = SafetensorsFile(tensors: [SafetensorsTensor(name: "w", shape: [3], data: [1, 2])])
        #expect(throws: FormatError.self) { try bad.write(to: url) }
        #expect(try SafetensorsFile(contentsOf: url) == SafetensorsFile(tensors: good.tensors, metadata: ["format": "pt"]))
        // A directory in place of the destination makes the final rename fail after the data is written.
        let blocked = directory.appendingPathComponent("blocked.safetensors")
        try FileManager.default.createDirectory(at: blocked.appendingPathComponent("occupied"), withIntermediateDirectories: true)
        do {
            try good.write(to: blocked)
            Issue.record("expected an error")
        } catch {
            guard case .io(let path, let detail) = error else {
                Issue.record("expected io, got \(error)")
                return
            }
            #expect(path == blocked.path)
            #expect(detail.contains("rename"))
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".tmp") }
        #expect(leftovers.isEmpty)
    }
}
