/// Rollouts an actor sends to the reference and reward ranks for scoring.
public struct ScoringRequest: WireMessage, Equatable {
    public static let kind = MessageKind.scoringRequest

    /// The training iteration the rollouts belong to, echoed by the replies.
    public var iteration: Int
    /// Each rollout's prompt tokens followed by its response tokens.
    public var sequences: [[Int32]]
    /// How many leading tokens of each sequence are prompt; one per sequence.
    public var promptLengths: [Int]

    public init(iteration: Int, sequences: [[Int32]], promptLengths: [Int]) {
        self.iteration = iteration
        self.sequences = sequences
        self.promptLengths = promptLengths
    }

    /// The number of response tokens of each sequence.
    public var responseLengths: [Int] {
        zip(sequences, promptLengths).map { $0.count - $1 }
    }

    public func encoded() -> [UInt8] {
        let tokens = sequences.reduce(0) { $0 + $1.count }
        var writer = MessageWriter(
            kind: Self.kind,
            capacity: MessageHeader.size + 8 + 8 + 8 * sequences.count + 4 * tokens
                + MessageWriter.arraySize(count: promptLengths.count, elementSize: 8))
        writer.write(iteration)
        writer.write(sequences.count)
        for sequence in sequences {
            writer.write(sequence)
        }
        writer.write(promptLengths)
        return writer.bytes
    }

    public init(decoding bytes: [UInt8]) throws(MessageError) {
        var reader = try MessageReader(bytes, expecting: Self.kind)
        iteration = try reader.readInt()
        let count = try reader.readCount(minimumElementSize: 8)
        sequences = []
        sequences.reserveCapacity(count)
        for _ in 0..<count {
            sequences.append(try reader.readInt32Array())
        }
        promptLengths = try reader.readIntArray()
        try reader.finish()
        guard promptLengths.count == sequences.count else {
            throw reader.invalid(
                "the prompt length count (\(promptLengths.count)) differs from the sequence count "
                    + "(\(sequences.count))")
        }
        for (index, (sequence, promptLength)) in zip(sequences, promptLengths).enumerated()
        where !(0...sequence.count).contains(promptLength) {
            throw reader.invalid(
                "sequence \(index) has \(sequence.count) tokens but a prompt length of "
                    + "\(promptLength)")
        }
    }
}

/// A reference rank's answer to a `ScoringRequest`: the frozen SFT policy's log-probs of each
/// response token.
public struct LogProbsReply: WireMessage, Equatable {
    public static let kind = MessageKind.logProbsReply

    /// The iteration of the request this answers.
    public var iteration: Int
    /// Per sequence of the request, one log-prob per response token.
    public var logProbs: [[Float]]

    public init(iteration: Int, logProbs: [[Float]]) {
        self.iteration = iteration
        self.logProbs = logProbs
    }

    /// Throws unless this reply answers `request`: the same iteration and one log-prob per
    /// response token of each of its sequences.
    public func validate(answering request: ScoringRequest) throws(MessageError) {
        try checkIteration(iteration, answering: request, kind: Self.kind)
        guard logProbs.map(\.count) == request.responseLengths else {
            throw .invalid(
                detail: "\(Self.kind): log-prob counts \(logProbs.map(\.count)) do not match the "
                    + "response lengths \(request.responseLengths) of the request")
        }
    }

    public func encoded() -> [UInt8] {
        let values = logProbs.reduce(0) { $0 + $1.count }
        var writer = MessageWriter(
            kind: Self.kind, capacity: MessageHeader.size + 8 + 8 + 8 * logProbs.count + 4 * values)
        writer.write(iteration)
        writer.write(logProbs.count)
        for sequence in logProbs {
            writer.write(sequence)
        }
        return writer.bytes
    }

    public init(decoding bytes: [UInt8]) throws(MessageError) {
        var reader = try MessageReader(bytes, expecting: Self.kind)
        iteration = try reader.readInt()
        let count = try reader.readCount(minimumElementSize: 8)
        logProbs = []
        logProbs.reserveCapacity(count)
        for _ in 0..<count {
            logProbs.append(try reader.readFloatArray())
        }
        try reader.finish()
    }
}

/// A reward rank's answer to a `ScoringRequest`: the reward model's score of each sequence.
public struct ScoresReply: WireMessage, Equatable {
    public static let kind = MessageKind.scoresReply

    /// The iteration of the request this answers.
    public var iteration: Int
    /// One score per sequence of the request.
    public var scores: [Float]

    public init(iteration: Int, scores: [Float]) {
        self.iteration = iteration
        self.scores = scores
    }

    /// Throws unless this reply answers `request`: the same iteration and one score per sequence.
    public func validate(answering request: ScoringRequest) throws(MessageError) {
        try checkIteration(iteration, answering: request, kind: Self.kind)
        guard scores.count == request.sequences.count else {
            throw .invalid(
                detail: "\(Self.kind): \(scores.count) scores for a request of "
                    + "\(request.sequences.count) sequences")
        }
    }

    public func encoded() -> [UInt8] {
        var writer = MessageWriter(
            kind: Self.kind,
            capacity: MessageHeader.size + 8
                + MessageWriter.arraySize(count: scores.count, elementSize: 4))
        writer.write(iteration)
        writer.write(scores)
        return writer.bytes
    }

    public init(decoding bytes: [UInt8]) throws(MessageError) {
        var reader = try MessageReader(bytes, expecting: Self.kind)
        iteration = try reader.readInt()
        scores = try reader.readFloatArray()
        try reader.finish()
    }
}

/// A reply from an earlier iteration means a rank fell out of step, which scoring it would hide.
private func checkIteration(
    _ iteration: Int, answering request: ScoringRequest, kind: MessageKind
) throws(MessageError) {
    guard iteration == request.iteration else {
        throw .invalid(
            detail: "\(kind): answers iteration \(iteration), but the request is of iteration "
                + "\(request.iteration)")
    }
}
