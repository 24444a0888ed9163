/// What one rank measured in one PPO iteration, sent to rank 0, which combines every rank's
/// into the iteration's metrics. Point-to-point rather than a collective, so that no rank waits
/// for the others at the end of an iteration (with overlap, actors are a step ahead of learners).
public struct StepReport: WireMessage, Equatable {
    public static let kind = MessageKind.stepReport

    /// The iteration reported (0-based).
    public var iteration: Int
    /// Seconds per timed phase, in the trainer's phase order.
    public var phaseSeconds: [Float]
    /// Response tokens this rank's actors generated.
    public var generatedTokens: Int

    public init(iteration: Int, phaseSeconds: [Float], generatedTokens: Int) {
        self.iteration = iteration
        self.phaseSeconds = phaseSeconds
        self.generatedTokens = generatedTokens
    }

    /// The reports of every rank as one: per phase the slowest rank's seconds (what the
    /// iteration waited for), the tokens of all actors.
    public static func combining(_ reports: [StepReport]) -> StepReport? {
        guard let first = reports.first else { return nil }
        return reports.dropFirst().reduce(first) { total, report in
            let width = max(total.phaseSeconds.count, report.phaseSeconds.count)
            let seconds = (0..<width).map { i in
                max(total.phaseSeconds.indices.contains(i) ? total.phaseSeconds[i] : 0,
                    report.phaseSeconds.indices.contains(i) ? report.phaseSeconds[i] : 0)
            }
            return StepReport(iteration: total.iteration, phaseSeconds: seconds,
                              generatedTokens: total.generatedTokens + report.generatedTokens)
        }
    }

    public func encoded() -> [UInt8] {
        var writer = MessageWriter(
            kind: Self.kind,
            capacity: MessageHeader.size + 8 + MessageWriter.arraySize(count: phaseSeconds.count, elementSize: 4) + 8)
        writer.write(iteration)
        writer.write(phaseSeconds)
        writer.write(generatedTokens)
        return writer.bytes
    }

    public init(decoding bytes: [UInt8]) throws(MessageError) {
        var reader = try MessageReader(bytes, expecting: Self.kind)
        iteration = try reader.readInt()
        phaseSeconds = try reader.readFloatArray()
        generatedTokens = try reader.readInt()
        try reader.finish()
    }
}
