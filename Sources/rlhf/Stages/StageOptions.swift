import ArgumentParser
import Foundation
import RLHFCore
import RLHFDistributed
import RLHFTraining

/// The options every config-driven command shares.
struct StageOptions: ParsableArguments {
    @Option(help: "YAML config file (see configs/ and the README for every key).")
    var config: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("Override one config key, e.g. --set train.lr=3e-4 (repeatable).", valueName: "key=value"))
    var overrides: [String] = []

    @Flag(name: .customLong("skip-bad-lines"), help: "Skip and count malformed data lines instead of stopping (data.skip_bad_lines).")
    var skipBadLines = false

    @Option(help: "Read the config from this top-level section of --config (e.g. sft in configs/demo.yaml).")
    var section: String?

    /// The resolved config: defaults, then the file (or its section), then `--set`s.
    func load(_ schema: ConfigSchema) throws(ConfigError) -> RunConfig {
        let extra = skipBadLines ? ["data.skip_bad_lines=true"] : []
        if let section {
            guard let config else { throw .invalidValue(key: "--section", reason: "needs --config FILE") }
            return try RunConfig.load(schema: schema, file: URL(fileURLWithPath: config), section: section, overrides: overrides + extra)
        }
        return try RunConfig.load(schema: schema, file: config.map { URL(fileURLWithPath: $0) }, overrides: overrides + extra)
    }
}

/// How a training command starts and stops.
struct RunControlOptions: ParsableArguments {
    @Flag(help: "Continue from the newest valid checkpoint in output.dir.")
    var resume = false

    @Option(help: "Stop after this many steps (checkpointing there, as if interrupted); --resume continues.")
    var stopAfter: Int?

    func validate() throws {
        if let stopAfter, stopAfter < 1 { throw ValidationError("--stop-after must be at least 1, got \(stopAfter)") }
    }

    var value: RunControl { RunControl(resume: resume, stopAfterSteps: stopAfter) }
}

/// Runs `body` on every rank of the job: starts MPI, sets the BLAS threads, and turns any error
/// into a message naming the rank and host and a non-zero exit. With several ranks the job is
/// aborted, since the other ranks may be waiting in a collective for this one.
func runOnAllRanks(command: String, threads: Int, _ body: (DataParallelGroup) throws -> Void) throws {
    try MPIRuntime.initialize()
    let world = Communicator.world
    setBLASThreads(threads > 0 ? threads : defaultBLASThreads())
    do {
        try body(DataParallelGroup(communicator: world))
    } catch {
        guard world.size > 1 else {
            FileHandle.standardError.write(Data("rlhf \(command): error: \(error)\n".utf8))
            Foundation.exit(1)
        }
        MPIRuntime.abort(code: 1, message: "rlhf \(command): error (rank \(world.rank) of \(world.size) on \(world.hostname)): \(error)")
    }
    try MPIRuntime.finalize()
}

/// The cores of this host shared among the ranks mpirun started on it.
func defaultBLASThreads() -> Int {
    let ranksHere = ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_LOCAL_SIZE"].flatMap(Int.init) ?? 1
    return max(1, ProcessInfo.processInfo.activeProcessorCount / max(ranksHere, 1))
}

/// Prints a stage's final evaluation (rank 0).
func report(_ stage: String, _ result: StageResult, group: DataParallelGroup) {
    guard group.isLeader else { return }
    let metrics = result.evaluation.sorted { $0.key < $1.key }.map { "\($0.key) \(String(format: "%.4f", $0.value))" }
    if let directory = result.modelDirectory {
        Console.line("\(stage): done after \(result.steps) steps; model in \(directory.path)")
    } else {
        Console.line("\(stage): stopped after \(result.steps) steps as asked; continue with --resume")
    }
    if !metrics.isEmpty { Console.line("\(stage): " + metrics.joined(separator: ", ")) }
}
