import ArgumentParser

/// `rlhf bench`: benchmarks that print one JSON object per line.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks (JSON lines on stdout).",
        subcommands: [BenchModel.self, BenchCollectives.self]
    )
}
