import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file mapped into memory that a worker and its supervisor share: the worker records each
/// input there before parsing it, and counts outcomes, so that when the worker dies in a trap
/// or hangs, the supervisor still knows which input did it and how far the run got.
///
/// Layout: six Int64 (the `current` input's index, inputs `completed`, `accepted` and
/// `rejected`, parser errors of an `untyped` kind, the current input's `length`), then its bytes.
final class InputSlot {
    let url: URL
    let capacity: Int
    private let base: UnsafeMutableRawPointer
    private let size: Int
    private static let headerSize = 6 * 8

    enum Field: Int { case current = 0, completed, accepted, rejected, untyped, length }

    /// Maps `url`, creating it with room for inputs of `capacity` bytes when `create` is set.
    init(url: URL, capacity: Int, create: Bool) throws {
        self.url = url
        self.capacity = capacity
        size = Self.headerSize + capacity
        let descriptor = open(url.path, create ? O_RDWR | O_CREAT | O_TRUNC : O_RDWR, 0o600)
        guard descriptor >= 0 else { throw FuzzError.system("cannot open \(url.path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        if create, ftruncate(descriptor, off_t(size)) != 0 {
            throw FuzzError.system("cannot size \(url.path): \(String(cString: strerror(errno)))")
        }
        guard let mapped = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_SHARED, descriptor, 0), mapped != MAP_FAILED else {
            throw FuzzError.system("cannot map \(url.path): \(String(cString: strerror(errno)))")
        }
        base = mapped
    }

    deinit { munmap(base, size) }

    subscript(field: Field) -> Int {
        get { Int(base.load(fromByteOffset: field.rawValue * 8, as: Int64.self)) }
        set { base.storeBytes(of: Int64(newValue), toByteOffset: field.rawValue * 8, as: Int64.self) }
    }

    /// Records `bytes` as input `index`, before it is parsed.
    func record(_ bytes: [UInt8], index: Int) {
        let count = min(bytes.count, capacity)
        bytes.withUnsafeBytes { source in
            if let address = source.baseAddress { (base + Self.headerSize).copyMemory(from: address, byteCount: count) }
        }
        self[.length] = count
        self[.current] = index
    }

    /// The input recorded last.
    var recordedInput: [UInt8] {
        Array(UnsafeRawBufferPointer(start: base + Self.headerSize, count: min(max(self[.length], 0), capacity)))
    }
}

/// A failure of the fuzzer itself (not a finding in a parser).
enum FuzzError: Error, CustomStringConvertible {
    case system(String)
    case usage(String)

    var description: String {
        switch self {
        case .system(let detail): "rlhf-fuzz: \(detail)"
        case .usage(let detail): "rlhf-fuzz: \(detail)"
        }
    }
}
