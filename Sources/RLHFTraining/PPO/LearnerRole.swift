import Foundation
import RLHFCore
import RLHFData
import RLHFDistributed

/// One learner: a replica of the policy and the critic. Each iteration it receives its share of
/// every actor's experience, computes values, per-token rewards, GAE advantages (whitened over
/// the whole batch), runs `num_ppo_epochs` passes of minibatches with the clipped policy and
/// value losses (plus the ptx term), and sums every gradient with the other learners, so that
/// all replicas apply the same updates.
final class LearnerRole {
    let index: Int
    let policy: LlamaModel
    let critic: LlamaModel
    var policyOptimizer: AdamW
    var criticOptimizer: AdamW
    let group: DataParallelGroup
    let settings: PPOSettings
    var klController: KLController
    let padToken: Int32
    /// Pretraining windows for the ptx term, and the position in them.
    let ptxWindows: [TrainingSequence]
    var ptxCursor = EpochCursor()
    /// Skip policy or critic updates with non-finite gradients, up to `ppo.max_nonfinite_steps` in a row.
    private var policyGuard: NonFiniteGuard
    private var criticGuard: NonFiniteGuard
    /// Updates (policy and critic counted apart) skipped in the current iteration.
    private var skippedUpdates = 0

    /// An experience with everything the update derives from it.
    struct Sample {
        var globalIndex: Int
        var experience: Experience
        var oldValues: [Float] = []
        var rewards = TokenRewards(rewards: [], kl: [], score: 0)
        var advantages: [Float] = []
        var returns: [Float] = []
        var entropy: [Float] = []
        /// The log-probs PPO's ratio starts from: the learner's own for a fresh rollout, the
        /// recorded behaviour ones for a stale one.
        var oldLogProbs: [Float] = []
    }

    init(index: Int, policy: LlamaModel, critic: LlamaModel, group: DataParallelGroup, settings: PPOSettings,
         padToken: Int32, ptxWindows: [TrainingSequence]) {
        self.index = index
        self.policy = policy
        self.critic = critic
        self.group = group
        self.settings = settings
        self.padToken = padToken
        self.ptxWindows = ptxWindows
        klController = settings.klController
        policyOptimizer = AdamW(layout: policy.layout, weightDecay: settings.weightDecay)
        criticOptimizer = AdamW(layout: critic.layout, weightDecay: settings.weightDecay)
        policyGuard = NonFiniteGuard(limit: settings.maxNonFiniteSteps, setting: "ppo.max_nonfinite_steps")
        criticGuard = NonFiniteGuard(limit: settings.maxNonFiniteSteps, setting: "ppo.max_nonfinite_steps")
    }

    /// Phase 5a: this learner's share of every actor's experience, with global batch indices.
    func receive(layout: RoleCounts, mailbox: Mailbox) throws -> [Sample] {
        var samples: [Sample] = []
        for actor in 0..<layout.actors {
            let batch = try mailbox.receive(ExperienceBatch.self, from: RoleInstance(role: .actor, index: actor),
                                            tag: .experience, actor: actor)
            let share = LearnerShare(rollouts: settings.rolloutsPerActor, learners: layout.learners, learner: index)
            guard batch.experiences.count == share.range.count else {
                throw PPOError.incompatible("learner \(index) expected \(share.range.count) experiences from actor \(actor), got \(batch.experiences.count)")
            }
            for (offset, experience) in batch.experiences.enumerated() {
                samples.append(Sample(globalIndex: actor * settings.rolloutsPerActor + share.range.lowerBound + offset,
                                      experience: experience))
            }
        }
        return samples
    }

    /// Phase 5b: one PPO update on `samples`; returns the iteration's metrics, combined over
    /// the learners (identical on every learner).
    func update(iteration: Int, samples input: [Sample]) throws -> [String: Double] {
        var timing = PhaseTimer()
        var samples = input
        let klCoefficient = klController.coefficient
        let position = Dictionary(uniqueKeysWithValues: samples.enumerated().map { ($1.globalIndex, $0) })
        let size = settings.rolloutBatchSize / settings.minibatches
        // Indices into `samples` of this learner's part of each epoch's minibatches.
        let minibatches = (0..<settings.epochs).map { epoch in
            let order = shuffledIndices(count: settings.rolloutBatchSize, seed: settings.seed &+ UInt64(iteration) &* 7919,
                                        epoch: epoch)
            return (0..<settings.minibatches).map { order[($0 * size)..<(($0 + 1) * size)].compactMap { position[$0] } }
        }
        let prepareStart = Date()
        let (maxDeviation, firstPasses) = try prepare(&samples, firstMinibatch: minibatches.first?.first ?? [],
                                                      klCoefficient: klCoefficient, version: iteration)
        timing.values = Date().timeIntervalSince(prepareStart)
        var stats = UpdateStatistics()
        skippedUpdates = 0
        for (epoch, epochMinibatches) in minibatches.enumerated() {
            for (minibatch, members) in epochMinibatches.enumerated() {
                try step(members.map { samples[$0] }, reusing: epoch == 0 && minibatch == 0 ? firstPasses : nil,
                         iteration: iteration, stats: &stats, timing: &timing)
            }
        }
        var metrics = try summarize(samples, stats: stats, klCoefficient: klCoefficient, version: iteration)
        let deviation = try group.communicator.allreduceMax(maxDeviation)
        // Stale rollouts were sampled with other weights than the learners', so the check that
        // decoding agrees with the learners' forward pass only applies to fresh batches.
        if metrics["rollout/staleness"] == 0 { metrics["rollout/decode_logprob_maxdev"] = deviation }
        metrics["timing/allreduce_s"] = timing.allreduce
        metrics["train/skipped_updates"] = Double(skippedUpdates)
        metrics["timing/values_s"] = timing.values
        klController.update(observedKL: metrics["objective/kl"] ?? 0, batchSize: settings.rolloutBatchSize)
        return metrics
    }

    /// The policy's and the critic's forward passes over some samples, in their order.
    struct ForwardPasses {
        var logProbs: [[Float]], entropy: [[Float]], policyBatch: ResponseBatch
        var values: [[Float]], criticBatch: ResponseBatch
    }

    private func forwardPasses(_ samples: [Sample], keepingActivationsForBackward keep: Bool) throws -> ForwardPasses {
        let prompts = samples.map(\.experience.prompt), responses = samples.map(\.experience.response)
        let (logProbs, entropy, policyBatch) = try ResponseBatch.logProbs(
            policy, prompts: prompts, responses: responses, temperature: settings.sampling.temperature, padToken: padToken,
            keepingActivationsForBackward: keep)
        let (values, criticBatch) = try ResponseBatch.values(critic, prompts: prompts, responses: responses, padToken: padToken,
                                                             keepingActivationsForBackward: keep)
        return ForwardPasses(logProbs: logProbs, entropy: entropy, policyBatch: policyBatch, values: values,
                             criticBatch: criticBatch)
    }

    /// Old log-probs and values, per-token rewards, advantages (whitened over all learners) and
    /// returns. Returns the largest difference between the learner's log-probs of the rollout
    /// tokens and those the actors recorded while decoding, over the rollouts sampled with
    /// `version`, the learner's own weights (~1e-5: same weights, KV cache against full pass);
    /// and the passes over `firstMinibatch`, the first PPO step's samples.
    ///
    /// Those passes go last and keep their activations: the first step starts from the weights
    /// that scored them, so its forward pass is this one (PPO's ratio starts at exactly 1).
    private func prepare(_ samples: inout [Sample], firstMinibatch: [Int], klCoefficient: Double, version: Int) throws
        -> (deviation: Double, firstPasses: ForwardPasses?) {
        var maxDeviation = 0.0
        var firstPasses: ForwardPasses?
        let shaping = settings.rewardShaping(klCoefficient: klCoefficient)
        let kept = Set(firstMinibatch)
        let others = samples.indices.filter { !kept.contains($0) }[...].chunked(Self.passSize).map { (Array($0), false) }
        for (chunk, keep) in others + (firstMinibatch.isEmpty ? [] : [(firstMinibatch, true)]) {
            let passes = try forwardPasses(chunk.map { samples[$0] }, keepingActivationsForBackward: keep)
            if keep { firstPasses = passes }
            for (k, i) in chunk.enumerated() {
                let experience = samples[i].experience
                // The learner's own log-probs where it has the sampling weights; otherwise the
                // behaviour policy's, as decoded.
                if experience.weightVersion == version {
                    for (a, b) in zip(passes.logProbs[k], experience.behaviourLogProbs) {
                        maxDeviation = max(maxDeviation, Double(abs(a - b)))
                    }
                    samples[i].oldLogProbs = passes.logProbs[k]
                } else {
                    samples[i].oldLogProbs = experience.behaviourLogProbs
                }
                samples[i].entropy = passes.entropy[k]
                samples[i].oldValues = passes.values[k]
                samples[i].rewards = shaping.tokenRewards(score: experience.score, logProbs: samples[i].oldLogProbs,
                                                          referenceLogProbs: experience.referenceLogProbs,
                                                          endedWithEOS: experience.endedWithEOS)
                (samples[i].advantages, samples[i].returns) = generalizedAdvantages(
                    rewards: samples[i].rewards.rewards, values: passes.values[k], gamma: settings.gamma,
                    lambda: settings.lambda)
            }
        }
        if settings.whitenAdvantages {
            let local = samples.reduce(MomentSums()) { $0 + MomentSums($1.advantages) }
            let total = try group.sum([local.count, local.sum, local.sumOfSquares])
            let moments = MomentSums(count: total[0], sum: total[1], sumOfSquares: total[2])
            for i in samples.indices { samples[i].advantages = whitened(samples[i].advantages, by: moments) }
        }
        return (maxDeviation, firstPasses)
    }

    /// Sequences per forward pass outside the minibatch steps.
    private static let passSize = 16

    /// One optimiser step of the policy and one of the critic on a global minibatch, of which
    /// `members` are this learner's part (possibly none: it still joins the all-reduces);
    /// `reused`, when given, are the members' forward passes with the current weights.
    private func step(_ members: [Sample], reusing reused: ForwardPasses?, iteration: Int, stats: inout UpdateStatistics,
                      timing: inout PhaseTimer) throws {
        let localTokens = Double(members.reduce(0) { $0 + $1.experience.response.count })
        let ptxBatch = settings.ptxCoefficient > 0 ? nextPretrainingBatch() : []
        let ptxTargets = Double(ptxBatch.reduce(0) { $0 + $1.targetCount })
        let totals = try group.sum([localTokens, ptxTargets])
        let tokens = max(totals[0], 1), ptxTokens = max(totals[1], 1)

        // Both forward passes first: the critic's does not depend on the policy's update.
        let passes = members.isEmpty ? nil : try reused ?? forwardPasses(members, keepingActivationsForBackward: true)
        policy.zeroGradients()
        if let passes {
            let (logProbs, entropy, batch) = (passes.logProbs, passes.entropy, passes.policyBatch)
            var dLogProbs: [[Float]] = []
            for (k, sample) in members.enumerated() {
                let terms = clippedPolicyLoss(logProbs: logProbs[k], oldLogProbs: sample.oldLogProbs,
                                              advantages: sample.advantages, clipRange: settings.clipRange)
                dLogProbs.append(terms.dLogProbs.map { $0 / Float(tokens) })
                stats.policyLoss += terms.lossSum
                stats.clipped += Double(terms.clippedCount)
                stats.approxKL += terms.approxKLSum
                stats.entropy += entropy[k].reduce(0.0) { $0 + Double($1) }
                stats.tokens += Double(sample.experience.response.count)
            }
            let dEntropy = settings.entropyCoefficient > 0
                ? batch.positionGradients(members.map { [Float](repeating: -settings.entropyCoefficient / Float(tokens), count: $0.experience.response.count) })
                : nil
            policy.backward(dLogProbs: batch.positionGradients(dLogProbs), dEntropy: dEntropy)
        }
        if !ptxBatch.isEmpty {
            let input = LanguageModelingBatch(ptxBatch, padToken: padToken, limit: policy.config.maxSeqLen)
            try policy.forward(input.batch)
            let (logp, _) = try policy.tokenLogProbs(targets: input.targets)
            for i in logp.indices where input.mask[i] != 0 { stats.ptxLoss -= Double(logp[i]) }
            stats.ptxTokens += ptxTargets
            let scale = settings.ptxCoefficient / Float(ptxTokens)
            policy.backward(dLogProbs: input.mask.map { -$0 * scale })
        }
        try timing.allreduce { try group.sumGradients(of: policy) }
        try apply(&policyOptimizer, to: policy, learningRate: settings.policyLearningRate, guard: &policyGuard,
                  iteration: iteration, what: "policy")

        critic.zeroGradients()
        if let passes {
            let (values, batch) = (passes.values, passes.criticBatch)
            var dValues: [[Float]] = []
            for (k, sample) in members.enumerated() {
                let terms = clippedValueLoss(values: values[k], oldValues: sample.oldValues, returns: sample.returns,
                                             clipRange: settings.valueClipRange)
                dValues.append(terms.dValues.map { $0 * settings.valueCoefficient / Float(tokens) })
                stats.valueLoss += terms.lossSum
                stats.valueClipped += Double(terms.clippedCount)
            }
            critic.backward(dValues: batch.positionGradients(dValues))
        }
        try timing.allreduce { try group.sumGradients(of: critic) }
        try apply(&criticOptimizer, to: critic, learningRate: settings.criticLearningRate, guard: &criticGuard,
                  iteration: iteration, what: "critic")
    }

    /// Clips and applies summed gradients; skips non-finite ones before they reach the weights.
    /// The norm is of all-reduced gradients, so every learner skips the same updates.
    private func apply(_ optimizer: inout AdamW, to model: LlamaModel, learningRate: Float, guard nonFinite: inout NonFiniteGuard,
                       iteration: Int, what: String) throws {
        let norm = settings.gradientClip > 0
            ? GradientClipping.clip(model.gradients, maxNorm: settings.gradientClip)
            : GradientClipping.globalNorm(model.gradients)
        guard try nonFinite.admits(step: iteration + 1, [("the \(what) gradient norm", Double(norm))]) else {
            skippedUpdates += 1
            if index == 0 {
                Console.warning("warning: ppo iteration \(iteration + 1): the \(what) gradient norm is \(norm); update skipped (\(nonFinite.consecutive) in a row, limit ppo.max_nonfinite_steps = \(settings.maxNonFiniteSteps))")
            }
            return
        }
        optimizer.update(parameters: model.parameters, gradients: model.gradients, lr: learningRate)
    }

    /// This learner's slice of the next global batch of pretraining windows.
    private func nextPretrainingBatch() -> [TrainingSequence] {
        guard !ptxWindows.isEmpty else { return [] }
        let global = ptxCursor.next(batch: settings.ptxBatchSize * group.size, count: ptxWindows.count, seed: settings.seed)
        return group.localSlice(of: global).map { ptxWindows[$0] }
    }

    /// The iteration's metrics over all learners' samples; `version` is the learners' weights'.
    private func summarize(_ samples: [Sample], stats: UpdateStatistics, klCoefficient: Double,
                           version: Int) throws -> [String: Double] {
        let fields = 8
        var sums = [Double](repeating: 0, count: fields)
        var explained = ExplainedVarianceSums()
        for sample in samples {
            let kl = sample.rewards.kl.reduce(0.0) { $0 + Double($1) }
            sums[0] += Double(sample.experience.score)
            sums[1] += kl
            sums[2] += sample.entropy.reduce(0.0) { $0 + Double($1) }
            sums[3] += Double(sample.rewards.score) - klCoefficient * kl
            sums[4] += sample.experience.endedWithEOS ? 1 : 0
            sums[5] += Double(sample.experience.response.count)
            sums[6] += 1
            sums[7] += Double(version - sample.experience.weightVersion)
            explained = explained + ExplainedVarianceSums(predictions: sample.oldValues, targets: sample.returns)
        }
        let s = try group.sum(sums + stats.array + explained.array)
        let count = max(s[6], 1)
        let u = UpdateStatistics(s[fields..<(fields + UpdateStatistics.fieldCount)])
        let explainedTotal = ExplainedVarianceSums(Array(s[(fields + UpdateStatistics.fieldCount)...]))
        return [
            "objective/scores": s[0] / count, "objective/kl": s[1] / count, "objective/entropy": s[2] / count,
            "objective/rlhf_reward": s[3] / count, "objective/non_score_reward": -klCoefficient * s[1] / count,
            "objective/kl_coef": klCoefficient,
            "val/num_eos": s[4], "rollout/response_length": s[5] / count, "rollout/staleness": s[7] / count,
            "policy/clipfrac": u.clipped / max(u.tokens, 1), "policy/approxkl": u.approxKL / max(u.tokens, 1),
            "policy/entropy": u.entropy / max(u.tokens, 1),
            "loss/policy": u.policyLoss / max(u.tokens, 1), "loss/value": u.valueLoss / max(u.tokens, 1),
            "val/clipfrac": u.valueClipped / max(u.tokens, 1),
            "loss/ptx": u.ptxTokens > 0 ? u.ptxLoss / u.ptxTokens : 0,
            "val/explained_var": explainedTotal.value,
        ]
    }
}

/// Sums over an iteration's minibatch steps.
struct UpdateStatistics {
    var policyLoss = 0.0, valueLoss = 0.0, clipped = 0.0, valueClipped = 0.0, approxKL = 0.0, entropy = 0.0
    var tokens = 0.0, ptxLoss = 0.0, ptxTokens = 0.0

    static let fieldCount = 9
    var array: [Double] { [policyLoss, valueLoss, clipped, valueClipped, approxKL, entropy, tokens, ptxLoss, ptxTokens] }

    init() {}
    init(_ values: ArraySlice<Double>) {
        let v = Array(values)
        (policyLoss, valueLoss, clipped, valueClipped, approxKL, entropy, tokens, ptxLoss, ptxTokens) =
            (v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8])
    }
}

/// Wall time spent in all-reduces, and in old log-probs and values, rewards and GAE, during an update.
struct PhaseTimer {
    var allreduce = 0.0
    var values = 0.0

    mutating func allreduce(_ body: () throws -> Void) throws {
        let start = Date()
        try body()
        allreduce += Date().timeIntervalSince(start)
    }
}

extension ExplainedVarianceSums {
    /// The sums as an array, to combine over ranks in one all-reduce.
    var array: [Double] { [count, sumTargets, sumTargetSquares, sumResiduals, sumResidualSquares] }

    init(_ array: [Double]) {
        self.init()
        (count, sumTargets, sumTargetSquares, sumResiduals, sumResidualSquares) = (array[0], array[1], array[2], array[3], array[4])
    }
}
