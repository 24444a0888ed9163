import ArgumentParser

/// `rlhf bench`: benchmarks that print one JSON object per line.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks (JSON lines on stdout).",
        subcommands: [BenchModel.self, BenchPPO.self, BenchAllreduce.self, BenchBroadcast.self, BenchScaling.self, BenchCollectives.self]
    )
}
