import ArgumentParser
import Foundation
import RLHFCore
import RLHFDistributed

/// `rlhf bench allreduce`: the learners' gradient all-reduce of a bench config's flat buffer.
struct BenchAllreduce: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "allreduce",
        abstract: "Bytes/s of MPI_Allreduce (sum) of a bench config's flat parameter buffer over all ranks.",
        discussion: ParameterBufferOptions.discussion)

    @OptionGroup var options: ParameterBufferOptions

    func run() throws { try options.run(.allreduce) }
}

/// `rlhf bench broadcast`: learner 0's policy broadcast of a bench config's flat buffer.
struct BenchBroadcast: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "broadcast",
        abstract: "Bytes/s of MPI_Bcast from rank 0 of a bench config's flat parameter buffer over all ranks.",
        discussion: ParameterBufferOptions.discussion)

    @OptionGroup var options: ParameterBufferOptions

    func run() throws { try options.run(.broadcast) }
}

/// What `rlhf bench allreduce` and `rlhf bench broadcast` share.
struct ParameterBufferOptions: ParsableArguments {
    static let discussion = """
        Run under mpirun. The buffer is the language model's flat Float32 parameter buffer of the \
        bench config, the buffer PPO all-reduces (gradients) and broadcasts (weights); every result \
        is checked on every rank. Rank 0 prints one JSON line: the median over repeats of the \
        slowest rank's time and bytes/s (buffer bytes / time). Compare with a plain MPI program of \
        the same size: scripts/bench/collectives.
        """

    @Option(help: "Bench config whose parameter buffer is sent: \(BenchConfig.names).")
    var config = "medium"

    @Option(help: "Timed repetitions, after one untimed warm-up.")
    var repeats = 20

    func validate() throws {
        _ = try BenchConfig.named(config)
        guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1, got \(repeats).") }
    }

    func run(_ collective: Collective) throws {
        let bench = try BenchConfig.named(config)
        try MPIRuntime.initialize()
        let world = Communicator.world
        let count = ParameterLayout(config: bench.model).count
        do {
            let seconds = try collective.medianSeconds(count: count, repeats: repeats, in: world)
            if world.rank == 0 {
                print(collective.report(count: count, seconds: seconds, ranks: world.size,
                                        extra: [("impl", "\"rlhf\""), ("config", "\"\(bench.name)\"")]))
                fflush(nil)
            }
        } catch {
            MPIRuntime.abort(code: 1, message: "rank \(world.rank) of \(world.size): \(error)")
        }
        try MPIRuntime.finalize()
    }
}
