/// A fixed-size, 64-byte aligned, heap-allocated array of `Float`.
///
/// Parameters, gradients, optimiser moments and activations are all `FloatBuffer`s, so that
/// kernels, BLAS and MPI see plain pointers and nothing allocates on the hot path.
public final class FloatBuffer: @unchecked Sendable {
    public let count: Int
    public let pointer: UnsafeMutablePointer<Float>

    /// Allocates `count` floats, set to zero.
    public init(count: Int) {
        precondition(count >= 0, "FloatBuffer count must be non-negative")
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 4, alignment: 64)
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    /// Allocates a buffer holding a copy of `values`.
    public convenience init(_ values: [Float]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: values.count) }
    }

    deinit { pointer.deallocate() }

    public subscript(index: Int) -> Float {
        get { pointer[index] }
        set { pointer[index] = newValue }
    }

    /// The buffer's contents as an array (for tests and file output, not the hot path).
    public var array: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }

    public func zero() { pointer.update(repeating: 0, count: count) }

    /// Copies all of `other`, which must have the same count.
    public func copy(from other: FloatBuffer) {
        precondition(other.count == count, "copy between buffers of \(other.count) and \(count) floats")
        pointer.update(from: other.pointer, count: count)
    }

    /// An independent copy of this buffer.
    public func clone() -> FloatBuffer {
        let copy = FloatBuffer(count: count)
        copy.copy(from: self)
        return copy
    }
}
