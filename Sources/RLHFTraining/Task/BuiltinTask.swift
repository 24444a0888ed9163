import RLHFCore

/// The built-in RLHF task: write short product reviews that a hidden rule (`GoldJudge`) likes.
///
/// Prompts ask for a review of a colored product that mentions an aspect; responses come from
/// a probabilistic grammar (`GrammarAcceptor` tells its language apart), of widely varying
/// quality. Everything is deterministic from the seed. One request in eight (a fixed set of
/// product, color and aspect combinations) is held out: it appears only in `evalPrompts`, never
/// in prompts, pretraining text or demonstrations, so evaluation measures generalisation.
public struct BuiltinTask: Sendable {
    /// The seed every sample derives from.
    public let seed: UInt64

    public init(seed: UInt64) {
        self.seed = seed
    }

    /// Prompts for reinforcement learning, e.g. "Review the blue kettle. Mention the price.\nReview:".
    public func prompts(count: Int) -> [String] {
        var rng = generator(for: .prompts)
        return requests(count: count, heldOut: false, using: &rng).map(\.prompt)
    }

    /// Prompts for evaluation, all from the held-out requests.
    public func evalPrompts(count: Int) -> [String] {
        var rng = generator(for: .evalPrompts)
        return requests(count: count, heldOut: true, using: &rng).map(\.prompt)
    }

    /// A completion for `prompt` sampled from the grammar: a review starting with a space, so
    /// that prompt + completion reads naturally. A prompt that names no request of the task
    /// gets a review of a request drawn from `rng`.
    public func response(for prompt: String, rng: inout RandomGenerator) -> String {
        completion(for: ReviewRequest(prompt: prompt) ?? rng.nextElement(of: ReviewRequest.all), using: &rng)
    }

    /// Documents for pretraining a language model from scratch: each a prompt followed by a
    /// sampled completion.
    public func pretrainingText(documents: Int) -> [String] {
        var rng = generator(for: .pretraining)
        return requests(count: documents, heldOut: false, using: &rng).map { request in
            request.prompt + completion(for: request, using: &rng)
        }
    }

    /// Demonstrations for supervised fine-tuning: for each prompt, the better (by gold score)
    /// of two sampled completions, so that they beat raw samples without being perfect.
    public func sftExamples(count: Int) -> [(prompt: String, completion: String)] {
        var rng = generator(for: .demonstrations)
        let judge = GoldJudge()
        return requests(count: count, heldOut: false, using: &rng).map { request in
            let prompt = request.prompt
            let first = completion(for: request, using: &rng)
            let second = completion(for: request, using: &rng)
            let isSecondBetter = judge.score(prompt: prompt, response: second) > judge.score(prompt: prompt, response: first)
            return (prompt, isSecondBetter ? second : first)
        }
    }

    private func completion(for request: ReviewRequest, using rng: inout RandomGenerator) -> String {
        " " + ReviewSampler.review(for: request, using: &rng)
    }

    /// The independent random streams of the task, so that e.g. asking for more prompts does not
    /// change the demonstrations.
    private enum Stream: UInt64 {
        case prompts = 1, evalPrompts, pretraining, demonstrations
    }

    private func generator(for stream: Stream) -> RandomGenerator {
        RandomGenerator(seed: seed ^ (stream.rawValue &* 0x9E37_79B9_7F4A_7C15))
    }

    /// `count` requests drawn uniformly from the held-out ones or from the rest.
    private func requests(count: Int, heldOut: Bool, using rng: inout RandomGenerator) -> [ReviewRequest] {
        precondition(count >= 0, "cannot draw a negative number of samples")
        let pool = heldOut ? Self.heldOutRequests : Self.trainingRequests
        return (0..<count).map { _ in rng.nextElement(of: pool) }
    }

    private static let heldOutRequests = ReviewRequest.all.indices.filter(isHeldOut).map { ReviewRequest.all[$0] }
    private static let trainingRequests = ReviewRequest.all.indices.filter { !isHeldOut($0) }.map { ReviewRequest.all[$0] }

    /// Whether the request at `index` of `ReviewRequest.all` is held out: one in eight, spread
    /// over products, colors and aspects by a multiplicative hash.
    private static func isHeldOut(_ index: Int) -> Bool {
        (UInt64(index) &* 0x9E37_79B9_7F4A_7C15) >> 61 == 0
    }
}
