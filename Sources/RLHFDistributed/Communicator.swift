import CMPI
import RLHFCore

/// A group of MPI ranks that communicate with each other: `MPI_COMM_WORLD` or a part split from it.
///
/// Collectives (`barrier`, `allreduceSum`, `broadcast`, `split`, ...) must be called by every rank
/// of the communicator, in the same order. Call `MPIRuntime.initialize()` before using one.
public struct Communicator: @unchecked Sendable {
    // @unchecked: the handle is an opaque pointer into MPI, which is safe to share between threads
    // because `MPIRuntime.initialize()` requires MPI_THREAD_MULTIPLE.
    private let handle: MPI_Comm

    /// This process's rank in the communicator, from 0 to `size - 1`.
    public let rank: Int
    /// The number of ranks in the communicator.
    public let size: Int

    private init(handle: MPI_Comm) {
        var rank: Int32 = 0
        var size: Int32 = 0
        // Both only fail for an invalid communicator or before MPI_Init: programming errors.
        let rankResult = MPI_Comm_rank(handle, &rank)
        precondition(
            rankResult == MPI_SUCCESS, "\(MPIError(operation: "MPI_Comm_rank", code: rankResult))")
        let sizeResult = MPI_Comm_size(handle, &size)
        precondition(
            sizeResult == MPI_SUCCESS, "\(MPIError(operation: "MPI_Comm_size", code: sizeResult))")
        self.handle = handle
        self.rank = Int(rank)
        self.size = Int(size)
    }

    /// All ranks of the job (`MPI_COMM_WORLD`).
    public static var world: Communicator {
        precondition(
            MPIRuntime.isInitialized && !MPIRuntime.isFinalized,
            "Communicator.world used while MPI is not running; call MPIRuntime.initialize() first")
        return Communicator(handle: cmpi_comm_world())
    }

    /// The name of the host this process runs on (`MPI_Get_processor_name`).
    public var hostname: String {
        var name = [CChar](repeating: 0, count: Int(MPI_MAX_PROCESSOR_NAME) + 1)
        var length: Int32 = 0
        let result = MPI_Get_processor_name(&name, &length)
        precondition(
            result == MPI_SUCCESS, "\(MPIError(operation: "MPI_Get_processor_name", code: result))")
        return String(decoding: name.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Blocks until every rank has called `barrier()`.
    public func barrier() throws(MPIError) {
        try MPIError.check(MPI_Barrier(handle), "MPI_Barrier on \(size) ranks")
    }

    // MARK: - Reductions

    /// Replaces every element of `buffer` with its sum over all ranks.
    ///
    /// Every rank must pass a buffer of the same count.
    public func allreduceSum(_ buffer: FloatBuffer) throws(MPIError) {
        try Self.forEachChunk(of: buffer.count) { offset, count throws(MPIError) in
            try MPIError.check(
                MPI_Allreduce(
                    cmpi_in_place(), buffer.pointer + offset, count, cmpi_float(), cmpi_op_sum(), handle),
                "MPI_Allreduce (sum) of \(count) floats on \(size) ranks")
        }
    }

    /// The sum of `value` over all ranks.
    public func allreduceSum(_ value: Double) throws(MPIError) -> Double {
        try allreduce(value, cmpi_op_sum(), "sum")
    }

    /// The element-wise sums of `values` over all ranks, in one call: a step's statistics.
    ///
    /// Every rank must pass the same count.
    public func allreduceSum(_ values: [Double]) throws(MPIError) -> [Double] {
        var result = [Double](repeating: 0, count: values.count)
        try MPIError.check(
            MPI_Allreduce(values, &result, Int32(values.count), cmpi_double(), cmpi_op_sum(), handle),
            "MPI_Allreduce (sum) of \(values.count) Doubles on \(size) ranks")
        return result
    }

    /// The largest `value` of all ranks.
    public func allreduceMax(_ value: Double) throws(MPIError) -> Double {
        try allreduce(value, cmpi_op_max(), "max")
    }

    private func allreduce(_ value: Double, _ op: MPI_Op, _ opName: String) throws(MPIError) -> Double {
        var value = value
        var result = 0.0
        try MPIError.check(
            MPI_Allreduce(&value, &result, 1, cmpi_double(), op, handle),
            "MPI_Allreduce (\(opName)) of a Double on \(size) ranks")
        return result
    }

    // MARK: - Gather

    /// All ranks' `values` concatenated in rank order, on every rank: e.g. each rank's
    /// fingerprint of its config, to check that all ranks agree.
    ///
    /// Every rank must pass the same count.
    public func allgather(_ values: [UInt64]) throws(MPIError) -> [UInt64] {
        let operation = "MPI_Allgather of \(values.count) UInt64s per rank on \(size) ranks"
        guard let count = Int32(exactly: values.count) else {
            throw MPIError(
                operation: operation, code: MPI_ERR_COUNT,
                reason: "each rank contributes at most \(Int32.max) values; gather in several calls")
        }
        var result = [UInt64](repeating: 0, count: values.count * size)
        try MPIError.check(
            MPI_Allgather(values, count, cmpi_uint64(), &result, count, cmpi_uint64(), handle),
            operation)
        return result
    }

    // MARK: - Broadcast

    /// Copies `buffer` of rank `root` into `buffer` on every other rank.
    ///
    /// Every rank must pass a buffer of the same count.
    public func broadcast(_ buffer: FloatBuffer, root: Int) throws(MPIError) {
        try Self.forEachChunk(of: buffer.count) { offset, count throws(MPIError) in
            try MPIError.check(
                MPI_Bcast(buffer.pointer + offset, count, cmpi_float(), Int32(root), handle),
                "MPI_Bcast of \(count) floats from rank \(root) on \(size) ranks")
        }
    }

    /// Replaces `bytes` on every rank with those of rank `root`; the other ranks' arrays may have
    /// any length (the length is broadcast first).
    public func broadcast(bytes: inout [UInt8], root: Int) throws(MPIError) {
        var count = Int64(bytes.count)
        try MPIError.check(
            MPI_Bcast(&count, 1, cmpi_int64(), Int32(root), handle),
            "MPI_Bcast of a byte count from rank \(root) on \(size) ranks")
        if rank != root {
            bytes = [UInt8](repeating: 0, count: Int(count))
        }
        let root = Int32(root)
        // The buffer-pointer forms, unlike withUnsafe(Mutable)Bytes, keep the thrown type.
        try bytes.withUnsafeMutableBufferPointer { buffer throws(MPIError) in
            try Self.forEachChunk(of: buffer.count) { offset, count throws(MPIError) in
                try MPIError.check(
                    MPI_Bcast(buffer.baseAddress! + offset, count, cmpi_byte(), root, handle),
                    "MPI_Bcast of \(count) bytes from rank \(root) on \(size) ranks")
            }
        }
    }

    // MARK: - Sub-communicators

    /// Splits the communicator into one new communicator per distinct `color`; collective.
    ///
    /// Ranks passing a `nil` color join none and get `nil`. Within each new communicator ranks
    /// are ordered by `key`, ties keeping their order here. The result lives until MPI finalize.
    public func split(color: Int?, key: Int = 0) throws(MPIError) -> Communicator? {
        var newHandle: MPI_Comm? = nil
        try MPIError.check(
            MPI_Comm_split(handle, color.map { Int32($0) } ?? MPI_UNDEFINED, Int32(key), &newHandle),
            "MPI_Comm_split with color \(color.map(String.init) ?? "undefined") and key \(key)")
        guard let newHandle, newHandle != cmpi_comm_null() else { return nil }
        return Communicator(handle: newHandle)
    }

    // MARK: - Point to point

    /// Sends `bytes` to rank `destination` with `tag`, returning once the bytes may be reused.
    ///
    /// This may wait until the receiver has posted its receive, so two ranks that both send to
    /// each other before receiving (or a rank sending to itself) can deadlock; use `startSend`
    /// there.
    public func send(_ bytes: [UInt8], to destination: Int, tag: Int) throws(MPIError) {
        let operation = {
            "MPI_Send of \(bytes.count) bytes to rank \(destination) of \(size), tag \(tag)"
        }
        let count = try Self.messageCount(bytes.count, operation)
        try bytes.withUnsafeBufferPointer { buffer throws(MPIError) in
            try MPIError.check(
                MPI_Send(buffer.baseAddress, count, cmpi_byte(), Int32(destination), Int32(tag), handle),
                operation())
        }
    }

    /// Starts sending `bytes` to rank `destination` with `tag` and returns at once; call `wait()`
    /// on the result to complete the send.
    public func startSend(
        _ bytes: [UInt8], to destination: Int, tag: Int
    ) throws(MPIError) -> SendRequest {
        let operation = "MPI_Isend of \(bytes.count) bytes to rank \(destination) of \(size), tag \(tag)"
        let count = try Self.messageCount(bytes.count, { operation })
        let request = SendRequest(copying: bytes, operation: operation)
        try MPIError.check(
            MPI_Isend(
                request.storage.baseAddress, count, cmpi_byte(), Int32(destination), Int32(tag),
                handle, &request.handle),
            operation)
        return request
    }

    /// Waits for a message from rank `source` (any rank if `nil`) with `tag` (any tag if `nil`)
    /// and returns it with the rank and tag it was sent with.
    ///
    /// Messages of any length are received whole. Safe to call from several threads at once:
    /// it probes with `MPI_Mprobe`, which hands the matched message to this call alone.
    public func receive(from source: Int? = nil, tag: Int? = nil) throws(MPIError) -> (
        bytes: [UInt8], source: Int, tag: Int
    ) {
        let operation = {
            "receive from \(source.map { "rank \($0)" } ?? "any rank") of \(size), "
                + "tag \(tag.map(String.init) ?? "any")"
        }
        var message: MPI_Message? = nil
        var status = MPI_Status()
        try MPIError.check(
            MPI_Mprobe(
                source.map { Int32($0) } ?? MPI_ANY_SOURCE, tag.map { Int32($0) } ?? MPI_ANY_TAG,
                handle, &message, &status),
            "MPI_Mprobe in \(operation())")
        var count: Int32 = 0
        try MPIError.check(
            MPI_Get_count(&status, cmpi_byte(), &count), "MPI_Get_count in \(operation())")
        var bytes = [UInt8](repeating: 0, count: Int(count))
        try bytes.withUnsafeMutableBufferPointer { buffer throws(MPIError) in
            try MPIError.check(
                MPI_Mrecv(buffer.baseAddress, count, cmpi_byte(), &message, cmpi_status_ignore()),
                "MPI_Mrecv of \(count) bytes in \(operation())")
        }
        return (bytes, Int(status.MPI_SOURCE), Int(status.MPI_TAG))
    }

    /// Whether a message from `source` (any rank when nil) with `tag` (any when nil) has arrived
    /// and waits to be received; returns at once (`MPI_Iprobe`).
    public func hasMessage(from source: Int? = nil, tag: Int? = nil) throws(MPIError) -> Bool {
        var flag: Int32 = 0
        var status = MPI_Status()
        try MPIError.check(
            MPI_Iprobe(
                source.map { Int32($0) } ?? MPI_ANY_SOURCE, tag.map { Int32($0) } ?? MPI_ANY_TAG,
                handle, &flag, &status),
            "MPI_Iprobe from \(source.map { "rank \($0)" } ?? "any rank") of \(size), tag \(tag.map(String.init) ?? "any")")
        return flag != 0
    }

    // MARK: - Counts

    /// MPI counts are Int32: calls `body(offset, count)` over consecutive chunks of `total`
    /// elements, so that buffers above 2^31 - 1 elements take several calls.
    private static func forEachChunk(
        of total: Int, _ body: (Int, Int32) throws(MPIError) -> Void
    ) throws(MPIError) {
        for offset in stride(from: 0, to: total, by: Int(Int32.max)) {
            try body(offset, Int32(min(Int(Int32.max), total - offset)))
        }
    }

    /// A point-to-point message arrives whole, so unlike collectives it cannot be chunked.
    private static func messageCount(
        _ count: Int, _ operation: () -> String
    ) throws(MPIError) -> Int32 {
        guard let count32 = Int32(exactly: count) else {
            throw MPIError(
                operation: operation(), code: MPI_ERR_COUNT,
                reason: "a message holds at most \(Int32.max) bytes; split it into several messages")
        }
        return count32
    }
}

extension Communicator {
    /// A send started by `Communicator.startSend`, holding its own copy of the bytes until MPI is
    /// done with them.
    ///
    /// Call `wait()` before `MPIRuntime.finalize()`; a request released without it waits in
    /// `deinit`, since MPI may still be reading the bytes.
    public final class SendRequest {
        fileprivate let storage: UnsafeMutableRawBufferPointer
        fileprivate var handle: MPI_Request? = cmpi_request_null()
        private let operation: String

        fileprivate init(copying bytes: [UInt8], operation: String) {
            let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 16)
            bytes.withUnsafeBytes { storage.copyMemory(from: $0) }
            self.storage = storage
            self.operation = operation
        }

        /// Blocks until the message has left this process's hands; further calls return at once.
        public func wait() throws(MPIError) {
            guard handle != cmpi_request_null() else { return }
            try MPIError.check(MPI_Wait(&handle, cmpi_status_ignore()), "MPI_Wait for \(operation)")
        }

        deinit {
            if handle != cmpi_request_null() {
                _ = MPI_Wait(&handle, cmpi_status_ignore())  // An error has no one left to report to.
            }
            storage.deallocate()
        }
    }
}
