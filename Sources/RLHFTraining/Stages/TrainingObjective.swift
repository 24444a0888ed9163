import RLHFCore

/// What a data-parallel stage optimises: how examples become a loss and its gradient, and how
/// the model is evaluated. The `StageTrainer` owns the loop around it.
public protocol TrainingObjective {
    /// The number of training examples; batches index into them.
    var trainCount: Int { get }

    /// How much `examples` weigh in the global loss normaliser (target tokens for language
    /// modelling, pairs for preferences). Summed over ranks before any gradient is computed, so
    /// that every rank scales its share by the same global total.
    func weight(of examples: ArraySlice<Int>) -> Double

    /// Adds `scale` times the gradient of the summed loss over `examples` to the model's
    /// gradients and returns the unscaled sums.
    func accumulateGradients(of model: LlamaModel, on examples: ArraySlice<Int>, scale: Float) throws -> ObjectiveSums

    /// Held-out metrics (`eval/...`) over this rank's share of the eval examples, combined over
    /// the group.
    func evaluate(_ model: LlamaModel, group: DataParallelGroup) throws -> [String: Double]
}

/// Additive statistics of a batch, summed over micro-batches and ranks.
public struct ObjectiveSums: Sendable {
    /// The summed (unnormalised) loss.
    public var loss: Double = 0
    /// Correct predictions, for objectives that have them (pairwise accuracy).
    public var correct: Double = 0
    /// Tokens the model processed, for throughput.
    public var tokens: Double = 0

    public init(loss: Double = 0, correct: Double = 0, tokens: Double = 0) {
        self.loss = loss
        self.correct = correct
        self.tokens = tokens
    }

    static func + (a: ObjectiveSums, b: ObjectiveSums) -> ObjectiveSums {
        ObjectiveSums(loss: a.loss + b.loss, correct: a.correct + b.correct, tokens: a.tokens + b.tokens)
    }

    var array: [Double] { [loss, correct, tokens] }
    init(_ array: [Double]) { self.init(loss: array[0], correct: array[1], tokens: array[2]) }
}
