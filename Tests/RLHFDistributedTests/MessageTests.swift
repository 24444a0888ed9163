import RLHFDistributed
import Testing

struct MessageTests {
    // MARK: - Samples

    private let request = ScoringRequest(
        iteration: 7, sequences: [[1, 2, 3, 4], [5, 6], []], promptLengths: [2, 1, 0])
    private let logProbs = LogProbsReply(iteration: 7, logProbs: [[-0.5, -1.25], [-3], []])
    private let scores = ScoresReply(iteration: 7, scores: [0.5, -2, .infinity])
    private let batch = ExperienceBatch(
        iteration: 3, actor: 1,
        experiences: [
            Experience(
                prompt: [10, 11], response: [12, 2], behaviourLogProbs: [-0.1, -0.2],
                referenceLogProbs: [-0.3, -0.4], score: 1.5, endedWithEOS: true, weightVersion: 2),
            Experience(
                prompt: [], response: [], behaviourLogProbs: [], referenceLogProbs: [],
                score: -0.25, endedWithEOS: false, weightVersion: 0),
        ])
    private let report = StepReport(iteration: 4, phaseSeconds: [0.5, 0, 1.25], generatedTokens: 96)

    /// Every sample, encoded, with a decoder of its kind.
    private var encodedSamples: [(name: String, bytes: [UInt8], decode: ([UInt8]) throws -> Void)] {
        [
            ("scoring request", request.encoded(), { _ = try ScoringRequest(decoding: $0) }),
            ("log-probs reply", logProbs.encoded(), { _ = try LogProbsReply(decoding: $0) }),
            ("scores reply", scores.encoded(), { _ = try ScoresReply(decoding: $0) }),
            ("experience batch", batch.encoded(), { _ = try ExperienceBatch(decoding: $0) }),
            ("step report", report.encoded(), { _ = try StepReport(decoding: $0) }),
        ]
    }

    /// A header (magic `RLHM`, version, kind) followed by `fields`.
    private func message(version: UInt8 = 1, kind: UInt8, _ fields: [[UInt8]]) -> [UInt8] {
        [0x52, 0x4C, 0x48, 0x4D, version, kind] + fields.joined()
    }

    private func int64(_ value: Int64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }

    // MARK: - Round trips

    @Test func scoringRequestRoundTrips() throws {
        #expect(try ScoringRequest(decoding: request.encoded()) == request)
        #expect(request.responseLengths == [2, 1, 0])
        let empty = ScoringRequest(iteration: 0, sequences: [], promptLengths: [])
        #expect(try ScoringRequest(decoding: empty.encoded()) == empty)
    }

    @Test func logProbsReplyRoundTrips() throws {
        #expect(try LogProbsReply(decoding: logProbs.encoded()) == logProbs)
        let empty = LogProbsReply(iteration: -1, logProbs: [])
        #expect(try LogProbsReply(decoding: empty.encoded()) == empty)
    }

    @Test func scoresReplyRoundTrips() throws {
        #expect(try ScoresReply(decoding: scores.encoded()) == scores)
        let empty = ScoresReply(iteration: Int.max, scores: [])
        #expect(try ScoresReply(decoding: empty.encoded()) == empty)
    }

    @Test func experienceBatchRoundTrips() throws {
        #expect(try ExperienceBatch(decoding: batch.encoded()) == batch)
        let empty = ExperienceBatch(iteration: 0, actor: 0, experiences: [])
        #expect(try ExperienceBatch(decoding: empty.encoded()) == empty)
    }

    @Test func stepReportRoundTrips() throws {
        #expect(try StepReport(decoding: report.encoded()) == report)
    }

    @Test func stepReportsCombineAsTheSlowestPhaseAndAllTokens() throws {
        let actor = StepReport(iteration: 4, phaseSeconds: [2, 0, 0, 0.5], generatedTokens: 64)
        let learner = StepReport(iteration: 4, phaseSeconds: [0, 1, 3, 0.25], generatedTokens: 0)
        let combined = try #require(StepReport.combining([report, actor, learner]))
        #expect(combined == StepReport(iteration: 4, phaseSeconds: [2, 1, 3, 0.5], generatedTokens: 160))
        #expect(StepReport.combining([]) == nil)
    }

    @Test func encodingIsHeaderThenLittleEndianFields() {
        let bytes = ScoresReply(iteration: 258, scores: [1]).encoded()
        #expect(bytes == message(kind: 3, [int64(258), int64(1), [0x00, 0x00, 0x80, 0x3F]]))
    }

    // MARK: - Malformed bytes

    @Test func everyTruncationThrows() {
        for sample in encodedSamples {
            for length in 0..<sample.bytes.count {
                #expect(throws: MessageError.self, "\(sample.name) cut to \(length) bytes") {
                    try sample.decode(Array(sample.bytes.prefix(length)))
                }
            }
        }
    }

    @Test func truncationNamesTheKindAndOffset() {
        let bytes = Array(scores.encoded().prefix(10))
        #expect(throws: MessageError.truncated(kind: .scoresReply, expected: 8, at: 6)) {
            try ScoresReply(decoding: bytes)
        }
        #expect(
            MessageError.truncated(kind: .scoresReply, expected: 8, at: 6).description
                .hasPrefix("the scores reply message is cut short: a field of 8 bytes at byte 6"))
    }

    @Test func trailingBytesAreInvalid() {
        for sample in encodedSamples {
            #expect(throws: MessageError.self, "\(sample.name) with a trailing byte") {
                try sample.decode(sample.bytes + [0])
            }
        }
    }

    @Test func badMagicIsRefused() {
        var bytes = request.encoded()
        bytes[0] = UInt8(ascii: "{")
        #expect(throws: MessageError.badMagic) { try ScoringRequest(decoding: bytes) }
    }

    @Test func futureVersionIsRefused() {
        var bytes = batch.encoded()
        bytes[4] = 2
        let error = #expect(throws: MessageError.unsupportedVersion(got: 2, supported: 1)) {
            try ExperienceBatch(decoding: bytes)
        }
        #expect(error?.description.contains("run the same rlhf build on every rank") == true)
    }

    @Test func wrongKindIsRefused() {
        let error = #expect(throws: MessageError.wrongKind(expected: .scoringRequest, got: 3)) {
            try ScoringRequest(decoding: scores.encoded())
        }
        #expect(
            error?.description.hasPrefix(
                "expected a scoring request message but got a scores reply message") == true)
        #expect(
            MessageError.wrongKind(expected: .logProbsReply, got: 99).description
                .hasPrefix("expected a log-probs reply message but got an unknown kind 99"))
    }

    @Test(arguments: [Int64(1) << 40, Int64.max, -1])
    func impossibleCountIsInvalid(count: Int64) {
        let bytes = message(kind: 1, [int64(0), int64(count)])
        let error = #expect(throws: MessageError.self) { try ScoringRequest(decoding: bytes) }
        guard case .invalid(let detail) = error else {
            Issue.record("expected .invalid, got \(String(describing: error))")
            return
        }
        #expect(detail.hasPrefix("scoring request: the count at byte 14 is"))
        #expect(throws: MessageError.self) {
            try ScoresReply(decoding: message(kind: 3, [int64(0), int64(count)]))
        }
    }

    @Test func promptLengthsMustMatchSequences() {
        var bytes = ScoringRequest(iteration: 1, sequences: [[1, 2]], promptLengths: [1, 1])
            .encoded()
        #expect(
            throws: MessageError.invalid(
                detail: "scoring request: the prompt length count (2) differs from the "
                    + "sequence count (1)")
        ) {
            try ScoringRequest(decoding: bytes)
        }
        bytes = ScoringRequest(iteration: 1, sequences: [[1, 2]], promptLengths: [3]).encoded()
        #expect(
            throws: MessageError.invalid(
                detail: "scoring request: sequence 0 has 2 tokens but a prompt length of 3")
        ) {
            try ScoringRequest(decoding: bytes)
        }
    }

    @Test func experienceLogProbsMustMatchResponse() {
        var broken = batch
        broken.experiences[0].referenceLogProbs.removeLast()
        #expect(
            throws: MessageError.invalid(
                detail: "experience batch: experience 0 has 2 response tokens but 2 behaviour "
                    + "and 1 reference log-probs")
        ) {
            try ExperienceBatch(decoding: broken.encoded())
        }
    }

    @Test func booleanMustBeZeroOrOne() {
        var bytes = batch.encoded()
        // The first experience's flag follows its four arrays and its score.
        let flag = 6 + 3 * 8 + 4 * (8 + 2 * 4) + 4
        #expect(bytes[flag] == 1)
        bytes[flag] = 2
        #expect(
            throws: MessageError.invalid(
                detail: "experience batch: the boolean at byte \(flag) is 2, not 0 or 1")
        ) {
            try ExperienceBatch(decoding: bytes)
        }
    }

    @Test func repliesAreCheckedAgainstTheirRequest() throws {
        try logProbs.validate(answering: request)
        try scores.validate(answering: request)
        #expect(throws: MessageError.self) {
            try LogProbsReply(iteration: 7, logProbs: [[-1], [-1], []]).validate(answering: request)
        }
        #expect(throws: MessageError.self) {
            try ScoresReply(iteration: 7, scores: [1, 2]).validate(answering: request)
        }
        #expect(
            throws: MessageError.invalid(
                detail: "scores reply: answers iteration 6, but the request is of iteration 7")
        ) {
            try ScoresReply(iteration: 6, scores: [1, 2, 3]).validate(answering: request)
        }
    }

    /// Random bytes, random tails after a valid header, and valid messages with random bytes
    /// changed: each decoded as every kind must throw or decode, never trap.
    @Test func randomBytesThrowOrDecodeButNeverCrash() {
        var random = SplitMix64(seed: 0x5EED)
        let valid = encodedSamples.map(\.bytes)
        var outcomes = (decoded: 0, threw: 0)
        for trial in 0..<300 {
            var bytes: [UInt8]
            switch trial % 3 {
            case 0:
                bytes = (0..<Int.random(in: 0..<120, using: &random)).map { _ in random.byte() }
            case 1:
                bytes = message(kind: UInt8.random(in: 1...4, using: &random), [])
                    + (0..<Int.random(in: 0..<120, using: &random)).map { _ in random.byte() }
            default:
                bytes = valid[trial % valid.count]
                for _ in 0..<Int.random(in: 1...4, using: &random) {
                    bytes[Int.random(in: 6..<bytes.count, using: &random)] = random.byte()
                }
            }
            for sample in encodedSamples {
                do {
                    try sample.decode(bytes)
                    outcomes.decoded += 1
                } catch {
                    outcomes.threw += 1
                }
            }
        }
        #expect(outcomes.decoded + outcomes.threw == 300 * encodedSamples.count)
    }

    // MARK: - Speed

    @Test func encodesAndDecodesABatchOfRolloutsQuickly() {
        let sequences = (0..<64).map { row in (0..<512).map { Int32(row * 512 + $0) } }
        let large = ScoringRequest(
            iteration: 1, sequences: sequences, promptLengths: Array(repeating: 128, count: 64))
        let clock = ContinuousClock()
        var fastest = Duration.seconds(1)
        for _ in 0..<20 {
            var decoded: ScoringRequest?
            let elapsed = clock.measure { decoded = try? ScoringRequest(decoding: large.encoded()) }
            #expect(decoded == large)
            fastest = min(fastest, elapsed)
        }
        // About 130 KB each way: a few memcpys, measured at 20 µs in release builds and 90 µs in
        // debug builds; the bound leaves room for a loaded machine.
        #expect(fastest < .milliseconds(2), "fastest round trip took \(fastest)")
    }
}

/// A small seeded generator, so that the random inputs are the same on every run.
private struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func byte() -> UInt8 { UInt8.random(in: .min ... .max, using: &self) }
}
