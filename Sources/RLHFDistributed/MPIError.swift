import CMPI

/// A failed MPI operation: what was attempted, MPI's error code and its description of the failure.
///
/// MPI reports errors as return codes only because `MPIRuntime.initialize()` sets
/// `MPI_ERRORS_RETURN` on `MPI_COMM_WORLD` (communicators split from it inherit the handler);
/// under MPI's default handler any error would abort the whole job instead.
public struct MPIError: Error, CustomStringConvertible, Sendable {
    /// The MPI call and its arguments, e.g. `MPI_Send of 12 bytes to rank 5, tag 3`.
    public let operation: String
    /// The MPI error code (`MPI_ERR_*`).
    public let code: Int32
    /// What went wrong, in MPI's words (`MPI_Error_string`) or ours.
    public let reason: String

    /// An error with a reason of our own, for conditions MPI cannot express.
    public init(operation: String, code: Int32, reason: String) {
        self.operation = operation
        self.code = code
        self.reason = reason
    }

    /// An error for a code returned by MPI, described by `MPI_Error_string`.
    init(operation: String, code: Int32) {
        var text = [CChar](repeating: 0, count: Int(MPI_MAX_ERROR_STRING) + 1)
        var length: Int32 = 0
        let described = MPI_Error_string(code, &text, &length) == MPI_SUCCESS
        let reason = described
            ? String(decoding: text.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            : "unknown MPI error"
        self.init(operation: operation, code: code, reason: reason)
    }

    public var description: String { "\(operation) failed: \(reason) (MPI error code \(code))" }

    /// Throws unless `result` is `MPI_SUCCESS`; `operation` is only built on failure.
    static func check(_ result: Int32, _ operation: @autoclosure () -> String) throws(MPIError) {
        guard result == MPI_SUCCESS else { throw MPIError(operation: operation(), code: result) }
    }
}
