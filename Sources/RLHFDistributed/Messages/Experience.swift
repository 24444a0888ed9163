/// One scored rollout, everything a learner needs to train on it.
public struct Experience: Equatable, Sendable {
    /// The prompt's tokens.
    public var prompt: [Int32]
    /// The sampled response's tokens.
    public var response: [Int32]
    /// The log-prob of each response token under the policy that sampled it, as the actor
    /// computed it; PPO's ratio is taken against these.
    public var behaviourLogProbs: [Float]
    /// The log-prob of each response token under the frozen SFT policy, for the KL penalty.
    public var referenceLogProbs: [Float]
    /// The reward model's score of the whole rollout.
    public var score: Float
    /// Whether the response ended with the end-of-sequence token rather than the length limit.
    public var endedWithEOS: Bool
    /// The version of the policy weights the rollout was sampled with.
    public var weightVersion: Int

    public init(
        prompt: [Int32], response: [Int32], behaviourLogProbs: [Float], referenceLogProbs: [Float],
        score: Float, endedWithEOS: Bool, weightVersion: Int
    ) {
        self.prompt = prompt
        self.response = response
        self.behaviourLogProbs = behaviourLogProbs
        self.referenceLogProbs = referenceLogProbs
        self.score = score
        self.endedWithEOS = endedWithEOS
        self.weightVersion = weightVersion
    }

    /// The encoded size: four arrays, the score, the flag and the version.
    var encodedSize: Int {
        4 * 8 + 4 * (prompt.count + response.count + behaviourLogProbs.count
            + referenceLogProbs.count) + 4 + 1 + 8
    }

    /// The encoded size of an experience with empty arrays.
    static let minimumEncodedSize = 4 * 8 + 4 + 1 + 8
}

/// Scored rollouts an actor sends to a learner.
public struct ExperienceBatch: WireMessage, Equatable {
    public static let kind = MessageKind.experienceBatch

    /// The training iteration the rollouts were generated for.
    public var iteration: Int
    /// The index of the actor that generated them.
    public var actor: Int
    /// The rollouts.
    public var experiences: [Experience]

    public init(iteration: Int, actor: Int, experiences: [Experience]) {
        self.iteration = iteration
        self.actor = actor
        self.experiences = experiences
    }

    public func encoded() -> [UInt8] {
        var writer = MessageWriter(
            kind: Self.kind,
            capacity: MessageHeader.size + 3 * 8 + experiences.reduce(0) { $0 + $1.encodedSize })
        writer.write(iteration)
        writer.write(actor)
        writer.write(experiences.count)
        for experience in experiences {
            writer.write(experience.prompt)
            writer.write(experience.response)
            writer.write(experience.behaviourLogProbs)
            writer.write(experience.referenceLogProbs)
            writer.write(experience.score)
            writer.write(experience.endedWithEOS)
            writer.write(experience.weightVersion)
        }
        return writer.bytes
    }

    public init(decoding bytes: [UInt8]) throws(MessageError) {
        var reader = try MessageReader(bytes, expecting: Self.kind)
        iteration = try reader.readInt()
        actor = try reader.readInt()
        let count = try reader.readCount(minimumElementSize: Experience.minimumEncodedSize)
        experiences = []
        experiences.reserveCapacity(count)
        for index in 0..<count {
            let experience = Experience(
                prompt: try reader.readInt32Array(),
                response: try reader.readInt32Array(),
                behaviourLogProbs: try reader.readFloatArray(),
                referenceLogProbs: try reader.readFloatArray(),
                score: try reader.readFloat(),
                endedWithEOS: try reader.readBool(),
                weightVersion: try reader.readInt())
            let responseCount = experience.response.count
            guard experience.behaviourLogProbs.count == responseCount,
                experience.referenceLogProbs.count == responseCount
            else {
                throw reader.invalid(
                    "experience \(index) has \(responseCount) response tokens but "
                        + "\(experience.behaviourLogProbs.count) behaviour and "
                        + "\(experience.referenceLogProbs.count) reference log-probs")
            }
            experiences.append(experience)
        }
        try reader.finish()
    }
}
