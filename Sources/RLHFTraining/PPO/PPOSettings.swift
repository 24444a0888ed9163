import RLHFCore
import RLHFDistributed

/// The typed, range-checked `rlhf ppo` configuration.
public struct PPOSettings: Sendable {
    public var layout: RoleCounts
    public var rolloutBatchSize: Int
    public var maxPromptTokens: Int
    public var maxNewTokens: Int
    public var sampling: SamplingParameters
    public var iterations: Int
    /// Overlap generation with training: actors sample batch k+1 with the weights of update k-1
    /// while the learners train on batch k.
    public var overlap: Bool
    public var epochs: Int
    public var minibatches: Int
    public var policyLearningRate: Float
    public var criticLearningRate: Float
    public var weightDecay: Float
    public var gradientClip: Float
    public var clipRange: Float
    public var valueClipRange: Float
    public var valueCoefficient: Float
    public var entropyCoefficient: Float
    public var gamma: Float
    public var lambda: Float
    public var whitenAdvantages: Bool
    public var klController: KLController
    public var klEstimator: KLEstimator
    public var missingEOSPenalty: Float
    public var scoreClip: Float
    public var ptxCoefficient: Float
    public var ptxBatchSize: Int
    public var seed: UInt64
    public var checkpointEvery: Int
    public var keepCheckpoints: Int
    /// Policy or critic updates with non-finite gradients are skipped; this many in a row stop the run.
    public var maxNonFiniteSteps: Int
    public var watchdogSeconds: Double

    public init(config: RunConfig) throws(ConfigError) {
        let c = config
        layout = RoleCounts(learners: c.int("layout.learners"), actors: c.int("layout.actors"),
                            references: c.int("layout.references"), rewards: c.int("layout.rewards"))
        for key in ["layout.learners", "layout.actors", "layout.references", "layout.rewards", "rollout.batch_size",
                    "rollout.max_new_tokens", "data.max_prompt_tokens", "ppo.iterations", "ppo.num_ppo_epochs",
                    "ppo.num_minibatches", "ppo.max_nonfinite_steps", "checkpoint.keep"] {
            try c.require(key, c.int(key) >= 1, "must be at least 1")
        }
        rolloutBatchSize = c.int("rollout.batch_size")
        try c.require("rollout.batch_size", rolloutBatchSize % layout.actors == 0,
                      "must be a multiple of layout.actors (\(layout.actors)) so that every actor gets the same share")
        minibatches = c.int("ppo.num_minibatches")
        try c.require("ppo.num_minibatches", rolloutBatchSize % minibatches == 0,
                      "must divide rollout.batch_size (\(rolloutBatchSize))")
        try c.require("layout.learners", rolloutBatchSize / layout.actors >= layout.learners,
                      "each actor's \(rolloutBatchSize / layout.actors) rollouts must give every learner at least one")
        maxPromptTokens = c.int("data.max_prompt_tokens")
        maxNewTokens = c.int("rollout.max_new_tokens")
        try c.require("rollout.temperature", c.double("rollout.temperature") > 0, "must be positive (PPO needs the sampling distribution's log-probs)")
        try c.require("rollout.top_p", c.double("rollout.top_p") > 0 && c.double("rollout.top_p") <= 1, "must be in (0, 1]")
        try c.require("rollout.top_k", c.int("rollout.top_k") >= 0, "must be 0 (off) or positive")
        sampling = SamplingParameters(temperature: c.float("rollout.temperature"), topK: c.int("rollout.top_k"), topP: c.float("rollout.top_p"))
        iterations = c.int("ppo.iterations")
        overlap = c.bool("ppo.overlap")
        epochs = c.int("ppo.num_ppo_epochs")
        try c.require("ppo.lr", c.double("ppo.lr") > 0, "must be positive")
        try c.require("ppo.critic_lr", c.double("ppo.critic_lr") > 0, "must be positive")
        policyLearningRate = c.float("ppo.lr")
        criticLearningRate = c.float("ppo.critic_lr")
        weightDecay = c.float("ppo.weight_decay")
        gradientClip = c.float("ppo.grad_clip")
        clipRange = c.float("ppo.cliprange")
        valueClipRange = c.float("ppo.cliprange_value")
        try c.require("ppo.cliprange", clipRange > 0, "must be positive")
        try c.require("ppo.cliprange_value", valueClipRange > 0, "must be positive")
        valueCoefficient = c.float("ppo.vf_coef")
        entropyCoefficient = c.float("ppo.ent_coef")
        gamma = c.float("ppo.gamma")
        lambda = c.float("ppo.lam")
        try c.require("ppo.gamma", gamma > 0 && gamma <= 1, "must be in (0, 1]")
        try c.require("ppo.lam", lambda >= 0 && lambda <= 1, "must be in [0, 1]")
        whitenAdvantages = c.bool("ppo.whiten_advantages")
        guard let estimator = KLEstimator(rawValue: c.string("ppo.kl_estimator")) else {
            throw .invalidValue(key: "ppo.kl_estimator", reason: "must be one of \(KLEstimator.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(c.string("ppo.kl_estimator"))\"")
        }
        klEstimator = estimator
        try c.require("ppo.kl_coef", c.double("ppo.kl_coef") >= 0, "must be 0 or positive")
        let target = c.double("ppo.target_kl")
        try c.require("ppo.target_kl", target >= 0, "must be 0 (fixed coefficient) or positive")
        try c.require("ppo.kl_horizon", c.double("ppo.kl_horizon") > 0, "must be positive")
        klController = KLController(coefficient: c.double("ppo.kl_coef"), target: target > 0 ? target : nil,
                                    horizon: c.double("ppo.kl_horizon"))
        missingEOSPenalty = c.float("ppo.missing_eos_penalty")
        scoreClip = c.float("ppo.score_clip")
        try c.require("ppo.score_clip", scoreClip >= 0, "must be 0 (off) or positive")
        ptxCoefficient = c.float("ppo.ptx_coef")
        ptxBatchSize = c.int("ppo.ptx_batch_size")
        try c.require("ppo.ptx_coef", ptxCoefficient >= 0, "must be 0 (off) or positive")
        try c.require("data.pretrain", ptxCoefficient == 0 || !c.stringList("data.pretrain").isEmpty,
                      "must name pretraining text when ppo.ptx_coef > 0")
        try c.require("ppo.seed", c.int("ppo.seed") >= 0, "must be 0 or more")
        seed = UInt64(c.int("ppo.seed"))
        checkpointEvery = c.int("checkpoint.every")
        keepCheckpoints = c.int("checkpoint.keep")
        maxNonFiniteSteps = c.int("ppo.max_nonfinite_steps")
        watchdogSeconds = c.double("runtime.watchdog_s")
    }

    /// Rollouts per actor per iteration.
    public var rolloutsPerActor: Int { rolloutBatchSize / layout.actors }

    /// The rewards shaping at the current KL coefficient.
    func rewardShaping(klCoefficient: Double) -> RewardShaping {
        RewardShaping(klCoefficient: Float(klCoefficient), estimator: klEstimator,
                      missingEOSPenalty: missingEOSPenalty, scoreClip: scoreClip)
    }
}

extension PPOSettings {
    /// Optimiser steps per iteration (each model): one per minibatch per epoch.
    var stepsPerIteration: Int { epochs * minibatches }
}
