import Foundation
import RLHFCore

/// One simulated annotator's verdict on a pair of responses.
public struct AnnotatorChoice: Equatable, Sendable {
    /// The index of the preferred response: 0 for the first, 1 for the second.
    public var chosen: Int
    /// The annotator who judged, in 0..<count.
    public var annotator: Int

    public init(chosen: Int, annotator: Int) {
        self.chosen = chosen
        self.annotator = annotator
    }
}

/// A pool of noisy raters who compare two responses the way people do: mostly by a scripted
/// judge's hidden score (the gold judge unless told otherwise), with random slips and a personal
/// liking for longer responses.
///
/// Each comparison goes to a uniformly drawn annotator k, who prefers response a to b with the
/// Bradley-Terry probability
///
///     P(a over b) = sigmoid((judge(a) - judge(b) + bias_k * (words(a) - words(b)) / 20) / temperature)
///
/// where bias_k >= 0 is drawn once per annotator from a half-normal distribution of scale
/// `biasStd`. A temperature of 0 makes every annotator deterministic (ties are a coin flip).
/// The judge's `preferred(prompt:a:b:)` gives the noise-free label to measure agreement against:
/// with the default settings, annotators agree with it on about 85% of pairs of grammar
/// samples for the same prompt.
public struct SimulatedAnnotators: Sendable {
    /// The noise of every judgement: 0 for none, larger for more random choices.
    public let temperature: Double
    /// Each annotator's bias_k, the weight of 20 extra words in judge-score points.
    public let lengthBiases: [Double]
    private var rng: RandomGenerator
    private let judge: any ResponseJudge

    /// A pool of `count` annotators judging by `judge`, whose biases and choices are drawn from `seed`.
    public init(judge: any ResponseJudge = GoldJudge(), count: Int = 5, temperature: Double = 1, biasStd: Double = 0.5, seed: UInt64) {
        precondition(count > 0, "a pool needs at least one annotator")
        precondition(temperature >= 0 && biasStd >= 0, "temperature and biasStd cannot be negative")
        var rng = RandomGenerator(seed: seed)
        lengthBiases = (0..<count).map { _ in biasStd * Double(abs(rng.nextGaussian())) }
        self.temperature = temperature
        self.rng = rng
        self.judge = judge
    }

    /// The probability that `annotator` prefers response `a` to `b` for `prompt`.
    public func probabilityOfPreferringFirst(prompt: String, a: String, b: String, annotator: Int) -> Double {
        let margin = judge.score(prompt: prompt, response: a) - judge.score(prompt: prompt, response: b)
            + lengthBiases[annotator] * Double(judge.wordCount(a) - judge.wordCount(b)) / 20
        guard temperature > 0 else { return margin > 0 ? 1 : (margin < 0 ? 0 : 0.5) }
        return 1 / (1 + exp(-margin / temperature))
    }

    /// One annotator's choice between responses `a` and `b` to `prompt`.
    public mutating func compare(prompt: String, a: String, b: String) -> AnnotatorChoice {
        let annotator = rng.nextIndex(below: lengthBiases.count)
        let probability = probabilityOfPreferringFirst(prompt: prompt, a: a, b: b, annotator: annotator)
        return AnnotatorChoice(chosen: rng.nextChance(probability) ? 0 : 1, annotator: annotator)
    }
}
