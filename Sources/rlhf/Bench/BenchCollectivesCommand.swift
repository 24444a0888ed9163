import ArgumentParser
import Foundation
import RLHFCore
import RLHFDistributed

/// `rlhf bench collectives`: times and checks all-reduce and broadcast over every rank; the
/// multi-rank smoke test of the binary.
struct BenchCollectives: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collectives",
        abstract: "Time and check MPI all-reduce and broadcast of float buffers across all ranks.",
        discussion: """
            Run under mpirun. Every result is checked on every rank; a wrong element aborts the job \
            naming the rank. Rank 0 prints one JSON object per line for each collective and size: \
            the median over repeats of the slowest rank's time, and the algorithm bandwidth \
            (buffer bytes / time; algbw_gbps in 10^9 bytes per second).
            """
    )

    private static let defaultCounts = [1000, 100_000, 1_000_000]

    @Option(
        // A transformed option's default is not shown by the parser, so the help names it.
        help: """
            Buffer sizes in floats, comma-separated. \
            (default: \(defaultCounts.map(String.init).joined(separator: ",")))
            """,
        transform: BenchCollectives.parseCounts
    )
    var floats: [Int] = defaultCounts

    @Option(help: "Timed repetitions per size and collective, after one untimed warm-up.")
    var repeats: Int = 10

    func validate() throws {
        guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1, got \(repeats).") }
    }

    func run() throws {
        try MPIRuntime.initialize()
        let world = Communicator.world
        // Rank r holds r + 1 in every element, so a sum is size * (size + 1) / 2 and rank 0 sends 1.
        let benches: [(name: String, operation: (FloatBuffer) throws -> Void, expected: Float)] = [
            ("allreduce", { try world.allreduceSum($0) }, Float(world.size * (world.size + 1) / 2)),
            ("broadcast", { try world.broadcast($0, root: 0) }, 1),
        ]
        do {
            for bench in benches {
                for count in floats {
                    let seconds = try medianSeconds(
                        of: bench.name, bench.operation, on: FloatBuffer(count: count),
                        expecting: bench.expected, in: world)
                    if world.rank == 0 {
                        report(bench.name, count: count, seconds: seconds, ranks: world.size)
                    }
                }
            }
        } catch {
            // Other ranks may be waiting in a collective for this one: stop the whole job.
            MPIRuntime.abort(code: 1, message: "rank \(world.rank) of \(world.size): \(error)")
        }
        try MPIRuntime.finalize()
    }

    /// The median over `repeats` of the slowest rank's time for `operation` on `buffer`, after
    /// which every element must equal `expected`.
    private func medianSeconds(
        of name: String, _ operation: (FloatBuffer) throws -> Void, on buffer: FloatBuffer,
        expecting expected: Float, in world: Communicator
    ) throws -> Double {
        let clock = ContinuousClock()
        var times: [Double] = []
        for iteration in 0...repeats {
            buffer.pointer.update(repeating: Float(world.rank + 1), count: buffer.count)
            try world.barrier()  // Start together: time the operation, not a straggler.
            let start = clock.now
            try operation(buffer)
            let elapsed = start.duration(to: clock.now)
            verify(buffer, equals: expected, after: name, in: world)
            let slowest = try world.allreduceMax(
                Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
            if iteration > 0 { times.append(slowest) }  // Iteration 0 warms up connections.
        }
        times.sort()
        return (times[(times.count - 1) / 2] + times[times.count / 2]) / 2
    }

    /// Prints one JSON line.
    private func report(_ bench: String, count: Int, seconds: Double, ranks: Int) {
        let bytes = count * MemoryLayout<Float>.size
        let bytesPerSecond = Double(bytes) / seconds
        print(
            #"{"bench":"\#(bench)","ranks":\#(ranks),"floats":\#(count),"bytes":\#(bytes),"#
                + #""median_s":\#(json(seconds)),"bytes_per_s":\#(json(bytesPerSecond)),"#
                + #""algbw_gbps":\#(json(bytesPerSecond / 1e9))}"#)
        fflush(nil)  // Lines appear as measured under mpirun, and survive a later abort.
    }

    /// Parses `1000,100000` into counts of at least one float.
    private static func parseCounts(_ text: String) throws -> [Int] {
        try text.split(separator: ",", omittingEmptySubsequences: false).map { part in
            let trimmed = part.trimmingCharacters(in: .whitespaces)
            guard let count = Int(trimmed), count >= 1 else {
                throw ValidationError(
                    "--floats takes positive integers separated by commas; got '\(trimmed)' in "
                        + "'\(text)'.")
            }
            return count
        }
    }
}

/// Aborts the job unless every element of `buffer` is `expected`.
private func verify(
    _ buffer: FloatBuffer, equals expected: Float, after operation: String, in world: Communicator
) {
    guard let index = (0..<buffer.count).first(where: { buffer[$0] != expected }) else { return }
    MPIRuntime.abort(
        code: 2,
        message: "rank \(world.rank) of \(world.size): \(operation) of \(buffer.count) floats gave "
            + "\(buffer[index]) at element \(index), expected \(expected)")
}

/// A JSON number, or null where JSON has no number (a time too short for the clock).
private func json(_ value: Double) -> String {
    value.isFinite ? "\(value)" : "null"
}
