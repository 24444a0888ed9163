import Foundation
import RLHFCore
import RLHFTraining
import Testing

/// Whether two arrays agree element-wise to within `tolerance`.
private func agree(_ a: [Float], _ b: [Float], within tolerance: Float) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tolerance }
}

@Suite("PPOMath KL estimators and controller")
struct PPOMathKLTests {
    @Test("k1 and k3 on hand-worked values")
    func estimators() {
        // logp = -1, ref = -1.5: k1 = 0.5; r = e^-0.5 = 0.6065307, k3 = (r - 1) - log r = -0.3934693 + 0.5 = 0.1065307.
        #expect(KLEstimator.k1.perToken(logProb: -1, referenceLogProb: -1.5) == 0.5)
        #expect(abs(KLEstimator.k3.perToken(logProb: -1, referenceLogProb: -1.5) - 0.1065307) < 1e-6)
        // logp = -2, ref = -1: k1 = -1; r = e = 2.7182818, k3 = 1.7182818 - 1 = 0.7182818.
        #expect(KLEstimator.k1.perToken(logProb: -2, referenceLogProb: -1) == -1)
        #expect(abs(KLEstimator.k3.perToken(logProb: -2, referenceLogProb: -1) - 0.7182818) < 1e-6)
        // Identical log-probs: r = 1, both estimators are exactly 0.
        for estimator in KLEstimator.allCases {
            #expect(estimator.perToken(logProb: -0.7, referenceLogProb: -0.7) == 0)
        }
    }

    @Test("k3 is never negative")
    func k3NonNegative() {
        let grid = stride(from: Float(-6), through: 0, by: 0.125).map { $0 }
        for logProb in grid {
            for referenceLogProb in grid {
                #expect(KLEstimator.k3.perToken(logProb: logProb, referenceLogProb: referenceLogProb) >= 0)
            }
        }
        // Close policies, where (r - 1) - log r cancels: 1e-3 apart gives about (1e-3)^2 / 2 = 5e-7.
        let near = KLEstimator.k3.perToken(logProb: -1, referenceLogProb: -1.001)
        #expect(near > 0 && abs(near - 5e-7) < 1e-8)
    }

    @Test("the adaptive controller rises above the target and falls below it")
    func adaptiveDirection() {
        // target 6, batch 256, horizon 10000.
        // KL 6.6: error = 6.6/6 - 1 = 0.1, coef = 0.1 * (1 + 0.1 * 256/10000) = 0.1 * 1.00256 = 0.100256.
        var above = KLController(coefficient: 0.1, target: 6)
        above.update(observedKL: 6.6, batchSize: 256)
        #expect(abs(above.coefficient - 0.100256) < 1e-12)
        // KL 5.4: error = -0.1, coef = 0.1 * 0.99744 = 0.099744.
        var below = KLController(coefficient: 0.1, target: 6)
        below.update(observedKL: 5.4, batchSize: 256)
        #expect(abs(below.coefficient - 0.099744) < 1e-12)
        // At the target the error is 0 and nothing moves.
        var onTarget = KLController(coefficient: 0.1, target: 6)
        onTarget.update(observedKL: 6, batchSize: 256)
        #expect(onTarget.coefficient == 0.1)
    }

    @Test("the proportional error is clipped to ±0.2")
    func adaptiveClip() {
        // KL 60: error = 9, clipped to 0.2: coef = 0.1 * (1 + 0.2 * 256/10000) = 0.1 * 1.00512 = 0.100512.
        var high = KLController(coefficient: 0.1, target: 6)
        high.update(observedKL: 60, batchSize: 256)
        #expect(abs(high.coefficient - 0.100512) < 1e-12)
        // KL 0: error = -1, clipped to -0.2: coef = 0.1 * 0.99488 = 0.099488.
        var low = KLController(coefficient: 0.1, target: 6)
        low.update(observedKL: 0, batchSize: 256)
        #expect(abs(low.coefficient - 0.099488) < 1e-12)
        // Horizon 1000, batch 100: 0.2 * 0.1 = 0.02, coef = 0.5 * 1.02 = 0.51.
        var fast = KLController(coefficient: 0.5, target: 1, horizon: 1000)
        fast.update(observedKL: 100, batchSize: 100)
        #expect(abs(fast.coefficient - 0.51) < 1e-12)
    }

    @Test("a fixed controller stays fixed, and a non-finite KL changes nothing")
    func fixedAndNonFinite() {
        var fixed = KLController(coefficient: 0.05)
        fixed.update(observedKL: 100, batchSize: 512)
        fixed.update(observedKL: 0, batchSize: 512)
        #expect(fixed == KLController(coefficient: 0.05))
        var adaptive = KLController(coefficient: 0.05, target: 6)
        adaptive.update(observedKL: .nan, batchSize: 512)
        adaptive.update(observedKL: .infinity, batchSize: 512)
        #expect(adaptive.coefficient == 0.05)
    }

    @Test("the controller survives a Codable round trip, fixed and adaptive")
    func codable() throws {
        var adaptive = KLController(coefficient: 0.2, target: 3, horizon: 5000)
        adaptive.update(observedKL: 4, batchSize: 64)
        for controller in [adaptive, KLController(coefficient: 0.1)] {
            let data = try JSONEncoder().encode(controller)
            #expect(try JSONDecoder().decode(KLController.self, from: data) == controller)
        }
    }
}

@Suite("PPOMath token rewards")
struct PPOMathRewardTests {
    @Test("the KL penalty is on every token and the score on the last")
    func placement() {
        // k1 = logp - ref = [0.5, -0.5, 0]; rewards = -0.1 * kl = [-0.05, 0.05, 0], plus the score 2 at the end.
        let shaping = RewardShaping(klCoefficient: 0.1)
        let result = shaping.tokenRewards(score: 2, logProbs: [-1, -2, -0.5], referenceLogProbs: [-1.5, -1.5, -0.5], endedWithEOS: true)
        #expect(result.kl == [0.5, -0.5, 0])
        #expect(agree(result.rewards, [-0.05, 0.05, 2], within: 1e-7))
        #expect(result.score == 2)
    }

    @Test("a one-token response takes penalty and score on the same token")
    func singleToken() {
        // kl = -1 - (-1.25) = 0.25; reward = -0.1 * 0.25 + 3 = 2.975.
        let result = RewardShaping(klCoefficient: 0.1).tokenRewards(score: 3, logProbs: [-1], referenceLogProbs: [-1.25], endedWithEOS: true)
        #expect(result.kl == [0.25])
        #expect(agree(result.rewards, [2.975], within: 1e-6))
    }

    @Test("the k3 estimator feeds the penalty")
    func k3Penalty() {
        // k3 at logp = -1, ref = -1.5 is 0.1065307 (see the estimator test); reward = -0.2 * 0.1065307 + 1 = 0.9786939.
        let shaping = RewardShaping(klCoefficient: 0.2, estimator: .k3)
        let result = shaping.tokenRewards(score: 1, logProbs: [-1], referenceLogProbs: [-1.5], endedWithEOS: true)
        #expect(agree(result.kl, [0.1065307], within: 1e-6))
        #expect(agree(result.rewards, [0.9786939], within: 1e-6))
    }

    @Test("the missing-EOS penalty applies only without EOS")
    func missingEOS() {
        let shaping = RewardShaping(klCoefficient: 0, missingEOSPenalty: 1)
        let ended = shaping.tokenRewards(score: 2, logProbs: [-1, -1], referenceLogProbs: [-1, -1], endedWithEOS: true)
        let truncated = shaping.tokenRewards(score: 2, logProbs: [-1, -1], referenceLogProbs: [-1, -1], endedWithEOS: false)
        #expect(ended.score == 2 && ended.rewards == [0, 2])
        #expect(truncated.score == 1 && truncated.rewards == [0, 1])
    }

    @Test("scores are clipped, after the EOS penalty")
    func scoreClip() {
        let clip = RewardShaping(klCoefficient: 0, scoreClip: 1.5)
        #expect(clip.tokenRewards(score: 2, logProbs: [0], referenceLogProbs: [0], endedWithEOS: true).score == 1.5)
        #expect(clip.tokenRewards(score: -3, logProbs: [0], referenceLogProbs: [0], endedWithEOS: true).score == -1.5)
        #expect(clip.tokenRewards(score: 0.5, logProbs: [0], referenceLogProbs: [0], endedWithEOS: true).score == 0.5)
        // -1 - 1 = -2, then clipped to -1.5 (clipping first would give -1.5 - 1 = -2.5).
        let both = RewardShaping(klCoefficient: 0, missingEOSPenalty: 1, scoreClip: 1.5)
        let result = both.tokenRewards(score: -1, logProbs: [0, 0], referenceLogProbs: [0, 0], endedWithEOS: false)
        #expect(result.score == -1.5 && result.rewards == [0, -1.5])
    }
}

@Suite("PPOMath GAE")
struct PPOMathGAETests {
    @Test("gamma 1, lambda 0.95 on three tokens")
    func lambdaDecay() {
        // r = [0, 0, 1], V = [0.5, 0.4, 0.3], V after the end = 0.
        // t=2: delta = 1 - 0.3 = 0.7, A = 0.7, R = 1.0
        // t=1: delta = 0 + 0.3 - 0.4 = -0.1, A = -0.1 + 0.95 * 0.7 = 0.565, R = 0.965
        // t=0: delta = 0 + 0.4 - 0.5 = -0.1, A = -0.1 + 0.95 * 0.565 = 0.43675, R = 0.93675
        let (advantages, returns) = generalizedAdvantages(rewards: [0, 0, 1], values: [0.5, 0.4, 0.3], gamma: 1, lambda: 0.95)
        #expect(agree(advantages, [0.43675, 0.565, 0.7], within: 1e-6))
        #expect(agree(returns, [0.93675, 0.965, 1.0], within: 1e-6))
    }

    @Test("with lambda 1 the returns are the discounted reward-to-go")
    func discountedReturns() {
        // r = [1, 0, 2], gamma = 0.9: R2 = 2, R1 = 0.9 * 2 = 1.8, R0 = 1 + 0.9 * 1.8 = 2.62.
        // A = R - V with V = [0.5, 0.4, 0.3]: [2.12, 1.4, 1.7].
        let (advantages, returns) = generalizedAdvantages(rewards: [1, 0, 2], values: [0.5, 0.4, 0.3], gamma: 0.9, lambda: 1)
        #expect(agree(returns, [2.62, 1.8, 2], within: 1e-6))
        #expect(agree(advantages, [2.12, 1.4, 1.7], within: 1e-6))
    }

    @Test("with lambda 0 the advantages are one-step TD errors")
    func temporalDifference() {
        // gamma = 0.5: delta = [1 + 0.5 * 2 - 1, 0 + 0.5 * 4 - 2, 3 - 4] = [1, 0, -1]; R = A + V = [2, 2, 3].
        let (advantages, returns) = generalizedAdvantages(rewards: [1, 0, 3], values: [1, 2, 4], gamma: 0.5, lambda: 0)
        #expect(advantages == [1, 0, -1])
        #expect(returns == [2, 2, 3])
    }
}

@Suite("PPOMath whitening")
struct PPOMathWhiteningTests {
    @Test("moments and whitened values of 1, 2, 3, 4")
    func handWorked() {
        // count 4, sum 10, sum of squares 30; mean 2.5; unbiased variance (2.25 + 0.25 + 0.25 + 2.25) / 3 = 5/3.
        let moments = MomentSums([1, 2, 3, 4])
        #expect(moments == MomentSums(count: 4, sum: 10, sumOfSquares: 30))
        #expect(moments.mean == 2.5)
        #expect(abs(moments.variance - 5.0 / 3) < 1e-12)
        // 1 / sqrt(5/3) = 0.7745967: ±1.5 -> ±1.1618950, ±0.5 -> ±0.3872983.
        let white = whitened([1, 2, 3, 4], by: moments)
        #expect(agree(white, [-1.161895, -0.3872983, 0.3872983, 1.161895], within: 1e-6))
        let check = MomentSums(white)
        #expect(abs(check.mean) < 1e-7)
        #expect(abs(check.variance - 1) < 1e-6)
    }

    @Test("whitened random values have mean 0 and unbiased variance 1")
    func randomWhitening() {
        var rng = RandomGenerator(seed: 11)
        let values = (0..<200).map { _ in 3 + 2 * rng.nextGaussian() }
        let check = MomentSums(whitened(values, by: MomentSums(values)))
        #expect(abs(check.mean) < 1e-6)
        #expect(abs(check.variance - 1) < 1e-5)
    }

    @Test("moments combined across splits equal the moments of all at once")
    func combining() {
        #expect(MomentSums([1, 2]) + MomentSums([3, 4]) == MomentSums([1, 2, 3, 4]))
        #expect(MomentSums() + MomentSums([5]) == MomentSums([5]))
        var rng = RandomGenerator(seed: 5)
        let values = (0..<37).map { _ in rng.nextGaussian() }
        let whole = MomentSums(values)
        let parts = MomentSums(Array(values[0..<10])) + MomentSums(Array(values[10..<25])) + MomentSums(Array(values[25...]))
        #expect(parts.count == whole.count)
        #expect(abs(parts.mean - whole.mean) < 1e-12)
        #expect(abs(parts.variance - whole.variance) < 1e-12)
    }

    @Test("fewer than two values have variance 0; a constant whitens to 0")
    func degenerate() {
        #expect(MomentSums().variance == 0 && MomentSums().mean == 0)
        #expect(MomentSums([3]).variance == 0 && MomentSums([3]).mean == 3)
        #expect(whitened([0.1, 0.1, 0.1], by: MomentSums([0.1, 0.1, 0.1])).allSatisfy { abs($0) < 1e-6 })
    }
}

@Suite("PPOMath policy loss")
struct PPOMathPolicyLossTests {
    @Test("ratio 1 gives -sum A and gradient -A")
    func ratioOne() {
        // logp == old, so every ratio is 1: loss = -(0.5 - 1 + 2) = -1.5, d/dlogp = -A.
        let terms = clippedPolicyLoss(logProbs: [-1, -2, -0.5], oldLogProbs: [-1, -2, -0.5], advantages: [0.5, -1, 2], clipRange: 0.2)
        #expect(terms.lossSum == -1.5)
        #expect(terms.dLogProbs == [-0.5, 1, -2])
        #expect(terms.clippedCount == 0)
        #expect(terms.approxKLSum == 0)
        #expect(terms.maxAbsLogRatio == 0)
    }

    @Test("ratio 1.5 with eps 0.2 clips a positive advantage but not a negative one")
    func ratioAboveRange() {
        // log 1.5 = 0.4054651, so ratio = 1.5.
        let old: Float = -1
        let new = old + 0.4054651
        // A = 2: -A r = -3, -A clip(r) = -2 * 1.2 = -2.4 is larger: clipped, loss -2.4, gradient 0.
        let positive = clippedPolicyLoss(logProbs: [new], oldLogProbs: [old], advantages: [2], clipRange: 0.2)
        #expect(abs(positive.lossSum + 2.4) < 1e-6)
        #expect(positive.dLogProbs == [0])
        #expect(positive.clippedCount == 1)
        // A = -2: -A r = 3 is larger than -A clip(r) = 2.4: unclipped, loss 3, gradient -A r = 3.
        let negative = clippedPolicyLoss(logProbs: [new], oldLogProbs: [old], advantages: [-2], clipRange: 0.2)
        #expect(abs(negative.lossSum - 3) < 1e-6)
        #expect(agree(negative.dLogProbs, [3], within: 1e-6))
        #expect(negative.clippedCount == 0)
        // approxKL = 0.5 * 0.4054651^2 = 0.0822010; max |log ratio| = 0.4054651.
        #expect(abs(negative.approxKLSum - 0.0822010) < 1e-6)
        #expect(abs(negative.maxAbsLogRatio - 0.4054651) < 1e-6)
    }

    @Test("ratio 0.5 clips a negative advantage but not a positive one")
    func ratioBelowRange() {
        // log 0.5 = -0.6931472. A = 2: -A r = -1 beats -2 * 0.8 = -1.6: unclipped, gradient -1.
        // A = -2: -A r = 1 loses to 2 * 0.8 = 1.6: clipped, gradient 0. Sum: -1 + 1.6 = 0.6.
        let old: [Float] = [-1, -1]
        let new = old.map { $0 - 0.6931472 }
        let terms = clippedPolicyLoss(logProbs: new, oldLogProbs: old, advantages: [2, -2], clipRange: 0.2)
        #expect(abs(terms.lossSum - 0.6) < 1e-6)
        #expect(agree(terms.dLogProbs, [-1, 0], within: 1e-6))
        #expect(terms.clippedCount == 1)
        #expect(abs(terms.maxAbsLogRatio - 0.6931472) < 1e-6)
    }

    @Test("the gradient matches central finite differences away from the kinks")
    func finiteDifferences() {
        var rng = RandomGenerator(seed: 3)
        var logProbs: [Float] = [], oldLogProbs: [Float] = [], advantages: [Float] = []
        while logProbs.count < 64 {
            let old = -0.5 - 2.5 * rng.nextUnitFloat()
            let new = old + 0.8 * (rng.nextUnitFloat() - 0.5)
            // Keep the ratio at least 0.02 away from the clip edges 0.8 and 1.2, where the loss kinks.
            let ratio = exp(Double(new) - Double(old))
            guard abs(ratio - 0.8) > 0.02, abs(ratio - 1.2) > 0.02 else { continue }
            logProbs.append(new)
            oldLogProbs.append(old)
            advantages.append(rng.nextGaussian())
        }
        let terms = clippedPolicyLoss(logProbs: logProbs, oldLogProbs: oldLogProbs, advantages: advantages, clipRange: 0.2)
        #expect(terms.clippedCount > 0 && terms.clippedCount < logProbs.count)
        for t in logProbs.indices {
            var up = logProbs, down = logProbs
            up[t] += 1e-3
            down[t] -= 1e-3
            let lossUp = clippedPolicyLoss(logProbs: up, oldLogProbs: oldLogProbs, advantages: advantages, clipRange: 0.2).lossSum
            let lossDown = clippedPolicyLoss(logProbs: down, oldLogProbs: oldLogProbs, advantages: advantages, clipRange: 0.2).lossSum
            let numeric = (lossUp - lossDown) / (Double(up[t]) - Double(down[t]))
            #expect(abs(numeric - Double(terms.dLogProbs[t])) <= 1e-5 + 1e-4 * abs(numeric), "token \(t)")
        }
    }
}

@Suite("PPOMath value loss")
struct PPOMathValueLossTests {
    @Test("clipped and unclipped tokens, worked by hand")
    func handWorked() {
        // c = 0.2 around v_old = 1 is [0.8, 1.2].
        // v 1.1, R 1.5: inside, loss 0.5 * 0.4^2 = 0.08, gradient v - R = -0.4.
        // v 1.5, R 2.0: clipped to 1.2, (1.2 - 2)^2 = 0.64 > 0.25: clipped, loss 0.32, gradient 0.
        // v 1.5, R 1.0: clipped to 1.2, 0.04 < 0.25: unclipped, loss 0.125, gradient 0.5.
        // v 0.5, R 0.0: clipped to 0.8, 0.64 > 0.25: clipped, loss 0.32, gradient 0.
        // Sum 0.08 + 0.32 + 0.125 + 0.32 = 0.845.
        let terms = clippedValueLoss(values: [1.1, 1.5, 1.5, 0.5], oldValues: [1, 1, 1, 1], returns: [1.5, 2, 1, 0], clipRange: 0.2)
        #expect(abs(terms.lossSum - 0.845) < 1e-6)
        #expect(agree(terms.dValues, [-0.4, 0, 0.5, 0], within: 1e-6))
        #expect(terms.clippedCount == 2)
    }

    @Test("the gradient matches central finite differences away from the kinks")
    func finiteDifferences() {
        var rng = RandomGenerator(seed: 8)
        var values: [Float] = [], oldValues: [Float] = [], returns: [Float] = []
        while values.count < 64 {
            let value = 4 * rng.nextUnitFloat() - 2
            let old = value + 0.8 * (rng.nextUnitFloat() - 0.5)
            let target = 4 * rng.nextUnitFloat() - 2
            // Keep away from the clip edges and from where the two terms are equal.
            let v = Double(value), o = Double(old), r = Double(target)
            let clipped = min(max(v, o - 0.2), o + 0.2)
            guard abs(abs(v - o) - 0.2) > 0.02, abs(abs(v - r) - abs(clipped - r)) > 0.02 else { continue }
            values.append(value)
            oldValues.append(old)
            returns.append(target)
        }
        let terms = clippedValueLoss(values: values, oldValues: oldValues, returns: returns, clipRange: 0.2)
        #expect(terms.clippedCount > 0 && terms.clippedCount < values.count)
        for t in values.indices {
            var up = values, down = values
            up[t] += 1e-3
            down[t] -= 1e-3
            let lossUp = clippedValueLoss(values: up, oldValues: oldValues, returns: returns, clipRange: 0.2).lossSum
            let lossDown = clippedValueLoss(values: down, oldValues: oldValues, returns: returns, clipRange: 0.2).lossSum
            let numeric = (lossUp - lossDown) / (Double(up[t]) - Double(down[t]))
            #expect(abs(numeric - Double(terms.dValues[t])) <= 1e-5 + 1e-4 * abs(numeric), "token \(t)")
        }
    }
}

@Suite("PPOMath explained variance")
struct PPOMathExplainedVarianceTests {
    @Test("1 for perfect predictions, 0 for the mean, and a worked case")
    func handWorked() {
        #expect(ExplainedVarianceSums(predictions: [1, 2, 3, 6], targets: [1, 2, 3, 6]).value == 1)
        // The mean of [1, 2, 3, 6] is 3: the residuals are the centred targets, so Var(res) = Var(targets).
        #expect(abs(ExplainedVarianceSums(predictions: [3, 3, 3, 3], targets: [1, 2, 3, 6]).value) < 1e-12)
        // targets [1, 2, 3, 4]: Var = 7.5 - 6.25 = 1.25. Residuals [0, 0, 0, 1]: Var = 0.25 - 0.0625 = 0.1875.
        // 1 - 0.1875 / 1.25 = 1 - 0.15 = 0.85.
        #expect(abs(ExplainedVarianceSums(predictions: [1, 2, 3, 3], targets: [1, 2, 3, 4]).value - 0.85) < 1e-12)
    }

    @Test("NaN when the targets do not vary")
    func undefined() {
        #expect(ExplainedVarianceSums().value.isNaN)
        #expect(ExplainedVarianceSums(predictions: [0], targets: [2]).value.isNaN)
        #expect(ExplainedVarianceSums(predictions: [0, 1, 2], targets: [0.1, 0.1, 0.1]).value.isNaN)
        // 1000 copies of -4.9863: the sums leave a target variance of about +4e-13 rather than 0.
        let constant = [Float](repeating: -4.9863, count: 1000)
        #expect(ExplainedVarianceSums(predictions: constant.map { $0 + 1 }, targets: constant).value.isNaN)
    }

    @Test("sums combined across splits equal the sums of all at once")
    func combining() {
        let whole = ExplainedVarianceSums(predictions: [1, 2, 3, 3], targets: [1, 2, 3, 4])
        let parts = ExplainedVarianceSums(predictions: [1], targets: [1]) + ExplainedVarianceSums(predictions: [2, 3, 3], targets: [2, 3, 4])
        #expect(parts == whole)
        var rng = RandomGenerator(seed: 21)
        let targets = (0..<50).map { _ in rng.nextGaussian() }
        let predictions = targets.map { $0 + 0.3 * rng.nextGaussian() }
        let all = ExplainedVarianceSums(predictions: predictions, targets: targets)
        let split = ExplainedVarianceSums(predictions: Array(predictions[..<20]), targets: Array(targets[..<20]))
            + ExplainedVarianceSums(predictions: Array(predictions[20...]), targets: Array(targets[20...]))
        #expect(abs(split.value - all.value) < 1e-12)
        #expect(all.value > 0.5 && all.value < 1)
    }
}

@Suite("PPOMath empty responses")
struct PPOMathEmptyTests {
    @Test("every function accepts zero tokens")
    func empty() {
        let rewards = RewardShaping(klCoefficient: 0.1, missingEOSPenalty: 1).tokenRewards(score: 2, logProbs: [], referenceLogProbs: [], endedWithEOS: false)
        #expect(rewards.rewards.isEmpty && rewards.kl.isEmpty && rewards.score == 1)
        let (advantages, returns) = generalizedAdvantages(rewards: [], values: [], gamma: 1, lambda: 0.95)
        #expect(advantages.isEmpty && returns.isEmpty)
        #expect(whitened([], by: MomentSums()).isEmpty)
        let policy = clippedPolicyLoss(logProbs: [], oldLogProbs: [], advantages: [], clipRange: 0.2)
        #expect(policy.lossSum == 0 && policy.dLogProbs.isEmpty && policy.clippedCount == 0 && policy.approxKLSum == 0 && policy.maxAbsLogRatio == 0)
        let value = clippedValueLoss(values: [], oldValues: [], returns: [], clipRange: 0.2)
        #expect(value.lossSum == 0 && value.dValues.isEmpty && value.clippedCount == 0)
        #expect(ExplainedVarianceSums(predictions: [], targets: []) == ExplainedVarianceSums())
    }
}
