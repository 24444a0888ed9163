import Foundation
import RLHFCore
import RLHFDistributed

/// A collective the benchmarks time, checked on every rank after every run.
enum Collective: String, CaseIterable {
    case allreduce, broadcast

    /// Runs the collective on `buffer` over `world`.
    func perform(on buffer: FloatBuffer, in world: Communicator) throws {
        switch self {
        case .allreduce: try world.allreduceSum(buffer)
        case .broadcast: try world.broadcast(buffer, root: 0)
        }
    }

    /// Every element after the run, when rank r starts with r + 1 in every element: the sum
    /// size * (size + 1) / 2, or rank 0's 1.
    func expected(in world: Communicator) -> Float {
        switch self {
        case .allreduce: Float(world.size * (world.size + 1) / 2)
        case .broadcast: 1
        }
    }

    /// The median over `repeats` (after one untimed warm-up) of the slowest rank's seconds for
    /// the collective on a buffer of `count` floats. A wrong element aborts the job, naming the rank.
    func medianSeconds(count: Int, repeats: Int, in world: Communicator) throws -> Double {
        let buffer = FloatBuffer(count: count)
        let clock = ContinuousClock()
        var times: [Double] = []
        for iteration in 0...repeats {
            buffer.pointer.update(repeating: Float(world.rank + 1), count: buffer.count)
            try world.barrier()  // Start together: time the operation, not a straggler.
            let start = clock.now
            try perform(on: buffer, in: world)
            let elapsed = start.duration(to: clock.now)
            verify(buffer, in: world)
            let slowest = try world.allreduceMax(
                Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
            if iteration > 0 { times.append(slowest) }  // Iteration 0 warms up connections.
        }
        times.sort()
        return (times[(times.count - 1) / 2] + times[times.count / 2]) / 2
    }

    /// Aborts the job unless every element of `buffer` is the expected one.
    private func verify(_ buffer: FloatBuffer, in world: Communicator) {
        let expected = expected(in: world)
        guard let index = (0..<buffer.count).first(where: { buffer[$0] != expected }) else { return }
        MPIRuntime.abort(
            code: 2,
            message: "rank \(world.rank) of \(world.size): \(rawValue) of \(buffer.count) floats gave "
                + "\(buffer[index]) at element \(index), expected \(expected)")
    }

    /// The JSON line of one measurement: `{"bench","ranks","floats","bytes","median_s","bytes_per_s","algbw_gbps"}`
    /// followed by `extra` fields (already JSON-encoded values).
    func report(count: Int, seconds: Double, ranks: Int, extra: [(String, String)] = []) -> String {
        let bytes = count * MemoryLayout<Float>.size
        let bytesPerSecond = Double(bytes) / seconds
        let fields = [("bench", "\"\(rawValue)\""), ("ranks", "\(ranks)"), ("floats", "\(count)"), ("bytes", "\(bytes)"),
                      ("median_s", json(seconds)), ("bytes_per_s", json(bytesPerSecond)),
                      ("algbw_gbps", json(bytesPerSecond / 1e9))] + extra
        return "{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
    }
}

/// A JSON number, or null where JSON has no number (a time too short for the clock).
private func json(_ value: Double) -> String {
    value.isFinite ? "\(value)" : "null"
}
