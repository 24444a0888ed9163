import RLHFCore

/// The optimisation knobs every data-parallel stage shares (the `train.*` and `checkpoint.*`
/// config keys).
public struct OptimizationSettings: Equatable, Sendable {
    /// Optimiser steps in the whole run.
    public var steps: Int
    /// Examples per rank per step; the global batch is `batchSize * ranks`.
    public var batchSize: Int
    /// Examples per forward/backward pass (gradient accumulation); 0 = the whole rank batch.
    public var microBatchSize: Int
    public var learningRate: Float
    /// The cosine schedule decays to `learningRate * minLearningRateRatio`.
    public var minLearningRateRatio: Float
    public var warmupSteps: Int
    public var weightDecay: Float
    public var beta1: Float
    public var beta2: Float
    /// Global gradient-norm clip; 0 turns clipping off.
    public var gradientClip: Float
    /// Updates with a NaN or infinite loss or gradient norm are skipped; this many in a row stop
    /// the run (1 stops at the first).
    public var maxNonFiniteSteps: Int
    /// Seeds data order and any fresh initialisation.
    public var seed: UInt64
    /// Evaluate every this many steps and at the end; 0 = only at the end.
    public var evalEvery: Int
    /// Print a progress line every this many steps.
    public var logEvery: Int
    /// Checkpoint every this many steps and at the end; 0 = only at the end.
    public var checkpointEvery: Int
    /// How many checkpoints to keep.
    public var keepCheckpoints: Int

    public init(steps: Int, batchSize: Int, microBatchSize: Int = 0, learningRate: Float, minLearningRateRatio: Float = 0.1,
                warmupSteps: Int = 0, weightDecay: Float = 0, beta1: Float = 0.9, beta2: Float = 0.95,
                gradientClip: Float = 1, maxNonFiniteSteps: Int = 3, seed: UInt64 = 1, evalEvery: Int = 0, logEvery: Int = 1,
                checkpointEvery: Int = 0, keepCheckpoints: Int = 2) {
        self.steps = steps
        self.batchSize = batchSize
        self.microBatchSize = microBatchSize
        self.learningRate = learningRate
        self.minLearningRateRatio = minLearningRateRatio
        self.warmupSteps = warmupSteps
        self.weightDecay = weightDecay
        self.beta1 = beta1
        self.beta2 = beta2
        self.gradientClip = gradientClip
        self.maxNonFiniteSteps = maxNonFiniteSteps
        self.seed = seed
        self.evalEvery = evalEvery
        self.logEvery = logEvery
        self.checkpointEvery = checkpointEvery
        self.keepCheckpoints = keepCheckpoints
    }

    /// Examples per forward pass, in training and in evaluation.
    public var examplesPerPass: Int { microBatchSize > 0 ? microBatchSize : batchSize }

    var schedule: LearningRateSchedule {
        LearningRateSchedule(peak: learningRate, warmupSteps: warmupSteps, totalSteps: steps, minRatio: minLearningRateRatio)
    }
}

/// How a command-line run starts and ends, beside its config.
public struct RunControl: Equatable, Sendable {
    /// Continue from the newest valid checkpoint in the run directory.
    public var resume: Bool
    /// Stop (with a checkpoint) once this many steps are done, as if interrupted there.
    public var stopAfterSteps: Int?

    public init(resume: Bool = false, stopAfterSteps: Int? = nil) {
        self.resume = resume
        self.stopAfterSteps = stopAfterSteps
    }
}
