import Foundation
import RLHFCore
import RLHFDistributed
import Testing

/// Tests of every `Communicator` call. They hold for any number of ranks: run with `swift test`
/// MPI is a singleton of one rank; under `mpirun -np N` on the test binary they check N ranks.
/// Serialized because collectives must run in the same order on every rank.
@Suite(.serialized)
struct CommunicatorTests {
    let world: Communicator

    init() throws {
        try mpiStart.get()
        world = Communicator.world
    }

    @Test func initializeIsIdempotentAcrossThreads() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask { try MPIRuntime.initialize() }
            }
            try await group.waitForAll()
        }
        #expect(MPIRuntime.isInitialized)
        #expect(!MPIRuntime.isFinalized)
    }

    // MARK: - Gather

    @Test func gathersEveryRanksValuesInRankOrder() throws {
        let mine: [UInt64] = [UInt64(world.rank), UInt64.max - UInt64(world.rank)]
        let all = try world.allgather(mine)
        #expect(all == (0..<world.size).flatMap { [UInt64($0), UInt64.max - UInt64($0)] })
    }

    @Test func gathersNothingFromEmptyArrays() throws {
        #expect(try world.allgather([]) == [])
    }

    @Test func ranksAgreeOnTheLayout() throws {
        let counts = RoleCounts(learners: 1, actors: world.size, references: 1, rewards: 1)
        let layout = try RoleLayout(counts: counts, worldSize: world.size)
        let fingerprint = layout.table.utf8.reduce(UInt64(14_695_981_039_346_656_037)) {
            ($0 ^ UInt64($1)) &* 1_099_511_628_211  // FNV-1a
        }
        let all = try world.allgather([fingerprint])
        #expect(all == Array(repeating: fingerprint, count: world.size))
    }

    @Test func worldHasRankWithinSize() {
        #expect(world.size >= 1)
        #expect((0..<world.size).contains(world.rank))
    }

    @Test func hostnameIsNotEmpty() {
        #expect(!world.hostname.isEmpty)
    }

    @Test func barrierReturns() throws {
        try world.barrier()
    }

    @Test func allreduceSumsBuffersElementwise() throws {
        let count = 1000
        let buffer = FloatBuffer((0..<count).map { Float($0) * Float(world.rank + 1) })
        try world.allreduceSum(buffer)
        let rankSum = Float(world.size * (world.size + 1) / 2)  // sum of rank + 1
        #expect(buffer.array == (0..<count).map { Float($0) * rankSum })
    }

    @Test func allreduceOfEmptyBufferDoesNothing() throws {
        try world.allreduceSum(FloatBuffer(count: 0))
    }

    @Test func allreduceReducesScalars() throws {
        let rankSum = Double(world.size * (world.size + 1) / 2)  // sum of rank + 1
        #expect(try world.allreduceSum(Double(world.rank + 1)) == rankSum)
        #expect(try world.allreduceMax(Double(world.rank) + 0.5) == Double(world.size - 1) + 0.5)
    }

    @Test func broadcastCopiesRootBuffer() throws {
        let root = world.size - 1
        let values = (0..<777).map { Float($0) * 0.25 }
        let buffer = world.rank == root ? FloatBuffer(values) : FloatBuffer(count: values.count)
        try world.broadcast(buffer, root: root)
        #expect(buffer.array == values)
    }

    @Test(arguments: [0, 1, 100_000])
    func broadcastBytesResizesToRootLength(length: Int) throws {
        let rootBytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        var bytes = world.rank == 0 ? rootBytes : [9, 9, 9]
        try world.broadcast(bytes: &bytes, root: 0)
        #expect(bytes == rootBytes)
    }

    @Test func splitGroupsRanksByColorAndOrdersByKey() throws {
        let color = world.rank % 2
        let sub = try #require(try world.split(color: color, key: -world.rank))
        let members = (0..<world.size).filter { $0 % 2 == color }
        #expect(sub.size == members.count)
        // Keys reverse the order.
        #expect(sub.rank == members.count - 1 - members.firstIndex(of: world.rank)!)
        #expect(try sub.allreduceSum(1) == Double(members.count))
    }

    @Test func splitWithoutColorReturnsNil() throws {
        // Rank 0 opts out; the others form a communicator of their own.
        let sub = try world.split(color: world.rank == 0 ? nil : 0)
        if world.rank == 0 {
            #expect(sub == nil)
        } else {
            #expect(sub?.size == world.size - 1)
            #expect(sub?.rank == world.rank - 1)
        }
    }

    @Test(arguments: [0, 13, 4_000_000])
    func startSendToSelfIsReceived(length: Int) throws {
        let comm = try privateCommunicator()
        let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0) }
        // Non-blocking, so even a message too large to be buffered cannot deadlock.
        let request = try comm.startSend(bytes, to: comm.rank, tag: 7)
        let message = try comm.receive(from: comm.rank, tag: 7)
        try request.wait()
        try request.wait()  // A second wait returns at once.
        #expect(message.bytes == bytes)
        #expect(message.source == comm.rank)
        #expect(message.tag == 7)
    }

    @Test func receiveFromAnySourceReportsSenderAndTag() throws {
        let comm = try privateCommunicator()
        let next = (comm.rank + 1) % comm.size
        let previous = (comm.rank + comm.size - 1) % comm.size
        let request = try comm.startSend([UInt8(comm.rank % 256)], to: next, tag: 40 + comm.rank)
        let message = try comm.receive()
        try request.wait()
        #expect(message.source == previous)
        #expect(message.tag == 40 + previous)
        #expect(message.bytes == [UInt8(previous % 256)])
    }

    @Test func blockingSendIsReceivedOnAnotherThread() throws {
        let comm = try privateCommunicator()
        let next = (comm.rank + 1) % comm.size
        let previous = (comm.rank + comm.size - 1) % comm.size
        let bytes = [UInt8](repeating: UInt8(comm.rank % 256), count: 1_000_000)
        // The receive runs on a thread of its own, so the blocking send always finds it posted.
        let received = OnThread {
            Result { () throws(MPIError) in try comm.receive(from: previous, tag: 3) }
        }
        try comm.send(bytes, to: next, tag: 3)
        let message = try received.wait().get()
        #expect(message.bytes == [UInt8](repeating: UInt8(previous % 256), count: 1_000_000))
        #expect(message.source == previous)
    }

    @Test func failedCallsThrowWithMPIsReason() throws {
        let error = #expect(throws: MPIError.self) {
            try world.send([1, 2, 3], to: world.size, tag: 0)
        }
        #expect(error?.operation.contains("to rank \(world.size)") == true)
        #expect(error?.reason.contains("rank") == true)
    }

    /// A duplicate of the world for point-to-point tests, so that their messages cannot be
    /// matched by receives of other tests running in parallel in this process.
    private func privateCommunicator() throws -> Communicator {
        try #require(try world.split(color: 0, key: world.rank))
    }
}

/// MPI for the whole test process: started once and finalized at exit, because `mpirun` treats
/// a rank that exits without finalizing as failed.
private let mpiStart = Result { () throws(MPIError) in
    try MPIRuntime.initialize()
    atexit { try? MPIRuntime.finalize() }
}

/// Runs `body` on a thread of its own, outside Swift's small cooperative pool, so a blocking MPI
/// call in it cannot starve other tasks.
private final class OnThread<Value: Sendable>: @unchecked Sendable {
    // @unchecked: `result` is written once by the thread before `done` is signalled, and read
    // only after waiting for `done`.
    private let done = DispatchSemaphore(value: 0)
    private var result: Value?

    init(_ body: @escaping @Sendable () -> Value) {
        Thread {
            self.result = body()
            self.done.signal()
        }.start()
    }

    /// Waits for the thread to finish and returns the body's result; call once.
    func wait() -> Value {
        done.wait()
        return result!
    }
}
