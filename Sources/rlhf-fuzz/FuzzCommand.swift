import ArgumentParser
import Foundation

/// The options a supervisor passes on to its workers.
struct FuzzOptions {
    var runs: Int
    var seed: UInt64
    var corpus: URL
    var crashes: URL
    var timeout: Double
    var memoryMegabytes: Int
    var maxLength: Int

    var arguments: [String] {
        ["--runs", "\(runs)", "--seed", "\(seed)", "--corpus", corpus.path, "--crashes", crashes.path,
         "--timeout", "\(timeout)", "--memory-mb", "\(memoryMegabytes)", "--max-length", "\(maxLength)"]
    }
}

@main
struct FuzzCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rlhf-fuzz",
        abstract: "Feeds malformed inputs to every parser of outside input; each must end in a typed error, never a crash or a hang.",
        discussion: """
            Inputs are mutations of the seeds in CORPUS/<parser>/ (bit flips, boundary integers in binary and as \
            text, truncation, insertion, deletion, splicing, format tokens). Each parser runs in a worker process \
            with its address space capped; a worker that traps or stalls is a finding, saved to CRASHES/ with \
            its input, and the run goes on. Prints one JSON line per parser; exits 1 on any finding.
            Parsers: \(FuzzTarget.all.map(\.name).joined(separator: ", ")) (or "all"); "self-check" is a parser that \
            traps and hangs on purpose, to check the harness.
            """)

    @Argument(help: "Parsers to fuzz, or \"all\".")
    var parsers: [String] = []

    @Option(help: "Inputs per parser.") var runs = 1000
    @Option(help: "Seed of the mutations; the same seed gives the same inputs.") var seed: UInt64 = 1
    @Option(help: "Directory of seed inputs, one subdirectory per parser.") var corpus = "fuzz/corpus"
    @Option(help: "Where inputs that crash or hang a parser are saved.") var crashes = "fuzz/crashes"
    @Option(help: "Seconds without progress that make an input a hang.") var timeout = 10.0
    @Option(name: .customLong("memory-mb"), help: "Address-space cap of a worker, in MB.") var memoryMegabytes = 1024
    @Option(help: "Longest input, in bytes.") var maxLength = 1 << 16
    @Option(help: "Run this one input file through the parser in this process and print the outcome.") var input: String?
    @Flag(help: "List the parsers.") var list = false

    @Flag(help: .hidden) var worker = false
    @Option(help: .hidden) var slot: String?
    @Option(help: .hidden) var scratch: String?

    func run() throws {
        if list {
            for target in FuzzTarget.all { print("\(target.name)\t\(target.summary)") }
            return
        }
        let targets = try selectedTargets()
        let options = FuzzOptions(runs: runs, seed: seed, corpus: URL(fileURLWithPath: corpus), crashes: URL(fileURLWithPath: crashes),
                                  timeout: timeout, memoryMegabytes: memoryMegabytes, maxLength: maxLength)
        if let input {
            try reproduce(targets[0], input: URL(fileURLWithPath: input))
        } else if worker {
            try runWorker(targets[0], options: options)
        } else {
            var findings = 0
            for target in targets {
                let report = try FuzzSupervisor(target: target, options: options).run()
                // Written at once, not through print's buffer, so a long run shows each parser as it ends.
                FileHandle.standardOutput.write(Data((report.jsonLine + "\n").utf8))
                for finding in report.findings {
                    FileHandle.standardError.write(Data("rlhf-fuzz: \(target.name): \(finding.kind) on input \(finding.index), saved to \(finding.file.path) (reproduce: rlhf-fuzz \(target.name) --input \(finding.file.path))\n\(finding.message)\n".utf8))
                }
                findings += report.findings.count + report.untyped
            }
            if findings > 0 { throw ExitCode(1) }
        }
    }

    private func selectedTargets() throws -> [FuzzTarget] {
        if parsers == ["all"] { return FuzzTarget.all }
        guard !parsers.isEmpty else { throw ValidationError("name the parsers to fuzz, or \"all\" (see --list)") }
        return try parsers.map { name in
            guard let target = FuzzTarget.named(name) else {
                throw ValidationError("unknown parser \"\(name)\"; one of: \(FuzzTarget.all.map(\.name).joined(separator: ", "))")
            }
            return target
        }
    }

    private func runWorker(_ target: FuzzTarget, options: FuzzOptions) throws {
        guard let slot, let scratch else { throw ValidationError("--worker needs --slot and --scratch") }
        try FuzzWorker.limitMemory(megabytes: options.memoryMegabytes)
        let mutator = Mutator(seeds: try Self.seeds(of: target, in: options.corpus), maxLength: options.maxLength)
        try FuzzWorker(target: target, mutator: mutator, slot: InputSlot(url: URL(fileURLWithPath: slot), capacity: options.maxLength, create: false),
                       seed: options.seed, runs: options.runs, scratch: URL(fileURLWithPath: scratch), findings: options.crashes).run()
    }

    /// Parses one saved input in this process, so that a trap shows its full backtrace.
    private func reproduce(_ target: FuzzTarget, input: URL) throws {
        let bytes = [UInt8](try Data(contentsOf: input))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rlhf-fuzz-reproduce-\(getpid())/step-00000002")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory.deletingLastPathComponent()) }
        for (name, content) in target.companions { try Data(content).write(to: directory.appendingPathComponent(name)) }
        let file = directory.appendingPathComponent(target.fileName)
        try Data(bytes).write(to: file)
        do {
            try target.run(bytes, file)
            print("accepted")
        } catch {
            print("rejected (\(FuzzWorker.isTyped(error) ? "typed" : "UNTYPED") \(type(of: error))): \(error)")
        }
    }

    /// The seed inputs of `target`: every file in its corpus directory.
    static func seeds(of target: FuzzTarget, in corpus: URL) throws -> [[UInt8]] {
        if let builtin = target.builtinSeeds { return builtin }
        let directory = corpus.appendingPathComponent(target.name)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()) ?? []
        let seeds = try names.map { [UInt8](try Data(contentsOf: directory.appendingPathComponent($0))) }
        guard !seeds.isEmpty else { throw FuzzError.usage("no seed inputs in \(directory.path)") }
        return seeds
    }
}
