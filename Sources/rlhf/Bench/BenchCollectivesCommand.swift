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
        do {
            for collective in Collective.allCases {
                for count in floats {
                    let seconds = try collective.medianSeconds(count: count, repeats: repeats, in: world)
                    if world.rank == 0 {
                        print(collective.report(count: count, seconds: seconds, ranks: world.size))
                        fflush(nil)  // Lines appear as measured under mpirun, and survive a later abort.
                    }
                }
            }
        } catch {
            // Other ranks may be waiting in a collective for this one: stop the whole job.
            MPIRuntime.abort(code: 1, message: "rank \(world.rank) of \(world.size): \(error)")
        }
        try MPIRuntime.finalize()
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
