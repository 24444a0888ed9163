import CMPI
import Foundation

/// Process-wide MPI start-up and shut-down.
///
/// Call `initialize()` before using any `Communicator` and `finalize()` once on every rank before
/// exiting. Launched without `mpirun`, MPI starts as a singleton: one rank in `Communicator.world`.
public enum MPIRuntime {
    /// Serialises start-up and shut-down: Swift Testing runs tests in parallel in one process,
    /// and MPI may be initialised and finalised at most once per process.
    private static let lock = NSLock()

    /// Whether `MPI_Init_thread` has been called in this process (it stays true after finalize).
    public static var isInitialized: Bool {
        var flag: Int32 = 0
        _ = MPI_Initialized(&flag)  // Valid at any time; cannot fail.
        return flag != 0
    }

    /// Whether `MPI_Finalize` has been called in this process.
    public static var isFinalized: Bool {
        var flag: Int32 = 0
        _ = MPI_Finalized(&flag)  // Valid at any time; cannot fail.
        return flag != 0
    }

    /// Starts MPI with full thread support, once per process; later calls return at once.
    ///
    /// Requires `MPI_THREAD_MULTIPLE`, since the trainer calls MPI from more than one thread
    /// (parallel tests, watchdogs, actors sending while generating), and sets `MPI_ERRORS_RETURN`
    /// on `MPI_COMM_WORLD` so that failed calls throw `MPIError` instead of aborting the job.
    public static func initialize() throws(MPIError) {
        lock.lock()
        defer { lock.unlock() }
        guard !isFinalized else {
            throw MPIError(
                operation: "MPI_Init_thread", code: MPI_ERR_OTHER,
                reason: "MPI was already finalized in this process and cannot be started again; "
                    + "initialize once at program start and finalize once before exit")
        }
        guard !isInitialized else { return }
        var provided: Int32 = 0
        try MPIError.check(
            MPI_Init_thread(nil, nil, Int32(MPI_THREAD_MULTIPLE), &provided), "MPI_Init_thread")
        try MPIError.check(
            MPI_Comm_set_errhandler(cmpi_comm_world(), cmpi_errors_return()),
            "MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN)")
        guard provided >= Int32(MPI_THREAD_MULTIPLE) else {
            throw MPIError(
                operation: "MPI_Init_thread", code: MPI_ERR_OTHER,
                reason: "this MPI library provides thread level \(provided), but the trainer needs "
                    + "MPI_THREAD_MULTIPLE (\(MPI_THREAD_MULTIPLE)); use an MPI built with thread "
                    + "support (Open MPI 3 or later is by default)")
        }
    }

    /// Shuts MPI down; does nothing if MPI was never started or is already finalized.
    ///
    /// Finalize is collective: every rank must call it, after its last communication, and any
    /// `SendRequest` must have been waited for.
    public static func finalize() throws(MPIError) {
        lock.lock()
        defer { lock.unlock() }
        guard isInitialized, !isFinalized else { return }
        try MPIError.check(MPI_Finalize(), "MPI_Finalize")
    }

    /// Prints `message` to standard error and terminates every rank of the job with `code`.
    ///
    /// Use this, not `exit`, when one rank fails on its own: the other ranks may be waiting for it
    /// in a collective and would otherwise hang.
    public static func abort(code: Int32, message: String) -> Never {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        if isInitialized, !isFinalized {
            _ = MPI_Abort(cmpi_comm_world(), code)
        }
        // Reached only without a running MPI, or if MPI_Abort returned.
        exit(code)
    }
}
