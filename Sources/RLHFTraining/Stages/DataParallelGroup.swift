import RLHFCore
import RLHFDistributed

/// The learner ranks of a data-parallel stage: every rank holds a full replica, trains on its
/// slice of each global batch, and sums gradients with one all-reduce of the flat buffer, so
/// every rank applies the same update.
public struct DataParallelGroup: Sendable {
    /// The ranks that share the work (the whole world for pretrain, SFT and RM).
    public let communicator: Communicator

    public init(communicator: Communicator) {
        self.communicator = communicator
    }

    public var rank: Int { communicator.rank }
    public var size: Int { communicator.size }
    /// Whether this rank writes metrics, checkpoints and the final model.
    public var isLeader: Bool { communicator.rank == 0 }

    /// This rank's part of a global batch: ranks take consecutive equal slices, so that
    /// N ranks with batch b see exactly the examples one rank with batch N*b would.
    public func localSlice(of global: [Int]) -> ArraySlice<Int> {
        let per = global.count / size
        return global[(rank * per)..<((rank + 1) * per)]
    }

    /// `value` summed over the ranks.
    public func sum(_ value: Double) throws(MPIError) -> Double {
        try communicator.allreduceSum(value)
    }

    /// Element-wise sums over the ranks of a few statistics, in one all-reduce.
    public func sum(_ values: [Double]) throws(MPIError) -> [Double] {
        size > 1 ? try communicator.allreduceSum(values) : values
    }

    /// Sums `model.gradients` over the ranks in place: one `MPI_Allreduce` of the flat buffer.
    public func sumGradients(of model: LlamaModel) throws(MPIError) {
        guard size > 1 else { return }
        try communicator.allreduceSum(model.gradients)
    }

    /// Fails unless every rank holds bit-identical `parameters`: the guarantee data parallelism
    /// rests on. Compares SHA-256 digests, so only 32 bytes per rank travel.
    public func verifyIdentical(_ parameters: FloatBuffer, context: String) throws {
        guard size > 1 else { return }
        var hasher = SHA256()
        hasher.update(UnsafeRawBufferPointer(start: parameters.pointer, count: parameters.count * MemoryLayout<Float>.size))
        let digest = hasher.digest
        var leaderDigest = digest
        try communicator.broadcast(bytes: &leaderDigest, root: 0)
        let mismatches = try communicator.allreduceSum(leaderDigest == digest ? 0 : 1)
        guard mismatches == 0 else {
            throw TrainingError.replicasDiverged(context: context, ranks: Int(mismatches), size: size)
        }
    }
}
