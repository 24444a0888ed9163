import Foundation
import RLHFCore

/// A tokenized preference pair: the same prompt with the chosen and the rejected response.
public struct TokenizedPair: Equatable, Sendable {
    public var chosen: [Int32]
    public var rejected: [Int32]

    public init(chosen: [Int32], rejected: [Int32]) {
        self.chosen = chosen
        self.rejected = rejected
    }
}

/// The reward-model loss of InstructGPT: -log sigmoid(r(x, y_w) - r(x, y_l) - margin), averaged
/// over the pairs of the global batch, with r read at each sequence's last real token. A
/// training example is a `PreferenceGroup`: one pair, or all pairs of a prompt.
public struct PreferenceObjective: TrainingObjective {
    public let train: [PreferenceGroup]
    public let eval: [TokenizedPair]
    let padToken: Int32
    /// Examples (groups) per forward pass in training; 0 = all at once.
    let microBatchSize: Int
    /// Pairs per evaluation batch; 0 = all at once.
    let evalBatchSize: Int
    let margin: Float

    /// `evalBatchSize` defaults to `microBatchSize`, which is right when each example is one pair.
    public init(train: [PreferenceGroup], eval: [TokenizedPair], padToken: Int32, microBatchSize: Int,
                evalBatchSize: Int? = nil, margin: Float) {
        self.train = train
        self.eval = eval
        self.padToken = padToken
        self.microBatchSize = microBatchSize
        self.evalBatchSize = evalBatchSize ?? microBatchSize
        self.margin = margin
    }

    public var trainCount: Int { train.count }

    public func weight(of examples: ArraySlice<Int>) -> Double {
        Double(examples.reduce(0) { $0 + train[$1].pairs.count })
    }

    public func accumulateGradients(of model: LlamaModel, on examples: ArraySlice<Int>, scale: Float) throws -> ObjectiveSums {
        var sums = ObjectiveSums()
        for chunk in examples.chunked(microBatchSize) {
            let groups = chunk.map { train[$0] }
            let batch = TokenBatch.padded(groups.flatMap(\.sequences), padToken: padToken, limit: model.config.maxSeqLen)
            let rewards = batch.lastTokenValues(try model.forward(batch))
            var dRewards = [Float](repeating: 0, count: rewards.count)
            var first = 0  // the group's first row in the batch
            for group in groups {
                for pair in group.pairs {
                    let (w, l) = (first + pair.chosen, first + pair.rejected)
                    let d = rewards[w] - rewards[l] - margin
                    // -log sigmoid(d) = softplus(-d), computed without overflow for large |d|.
                    sums.loss += Double(max(-d, 0) + log1p(exp(-abs(d))))
                    if rewards[w] > rewards[l] { sums.correct += 1 }
                    let g = -scale / (1 + exp(d))  // d/dd of softplus(-d) is -sigmoid(-d).
                    dRewards[w] += g
                    dRewards[l] -= g
                }
                first += group.sequences.count
            }
            model.backward(dValues: batch.scatterToLastTokens(dRewards))
            sums.tokens += Double(batch.lengths.reduce(0, +))
        }
        return sums
    }

    /// `eval/loss`, `eval/accuracy` (with `eval/accuracy_stderr`), and the mean and standard
    /// deviation of the rewards of all eval responses (`eval/reward_mean`, `eval/reward_std`).
    public func evaluate(_ model: LlamaModel, group: DataParallelGroup) throws -> [String: Double] {
        let stats = try Self.score(model, pairs: eval, group: group, padToken: padToken, batchSize: evalBatchSize,
                                   margin: margin)
        guard stats.pairs > 0 else { return [:] }
        return [
            "eval/loss": stats.loss, "eval/accuracy": stats.accuracy, "eval/accuracy_stderr": stats.accuracyStandardError,
            "eval/reward_mean": stats.rewardMean, "eval/reward_std": stats.rewardStd, "eval/pairs": Double(stats.pairs),
        ]
    }

    /// Scores `pairs` on the ranks of `group` (dealt round-robin) and combines the results.
    public static func score(_ model: LlamaModel, pairs: [TokenizedPair], group: DataParallelGroup, padToken: Int32,
                             batchSize: Int, margin: Float = 0) throws -> PreferenceStatistics {
        let mine = Array(stride(from: group.rank, to: pairs.count, by: group.size))
        var sums = [Double](repeating: 0, count: 5)  // loss, correct, sum r, sum r^2, pairs
        for chunk in mine[...].chunked(batchSize) {
            let chunkPairs = chunk.map { pairs[$0] }
            let batch = Self.batch(chunkPairs, padToken: padToken, limit: model.config.maxSeqLen)
            let rewards = batch.lastTokenValues(try model.forward(batch, keepingActivationsForBackward: false))
            let n = chunkPairs.count
            for i in 0..<n {
                let d = Double(rewards[i] - rewards[n + i] - margin)
                sums[0] += max(-d, 0) + log1p(exp(-abs(d)))
                if rewards[i] > rewards[n + i] { sums[1] += 1 }
            }
            for r in rewards {
                sums[2] += Double(r)
                sums[3] += Double(r) * Double(r)
            }
            sums[4] += Double(n)
        }
        let total = try group.sum(sums)
        return PreferenceStatistics(lossSum: total[0], correct: total[1], rewardSum: total[2],
                                    rewardSquareSum: total[3], pairs: Int(total[4]))
    }

    /// Chosen sequences in rows 0..<n, rejected in rows n..<2n.
    static func batch(_ pairs: [TokenizedPair], padToken: Int32, limit: Int) -> TokenBatch {
        TokenBatch.padded(pairs.map(\.chosen) + pairs.map(\.rejected), padToken: padToken, limit: limit)
    }
}

/// Pairwise results of a reward model on a set of preference pairs.
public struct PreferenceStatistics: Sendable {
    public var lossSum: Double
    public var correct: Double
    public var rewardSum: Double
    public var rewardSquareSum: Double
    public var pairs: Int

    public var loss: Double { lossSum / Double(pairs) }
    /// The share of pairs where the chosen response scores strictly higher.
    public var accuracy: Double { correct / Double(pairs) }
    /// The binomial standard error of `accuracy`.
    public var accuracyStandardError: Double { (accuracy * (1 - accuracy) / Double(pairs)).squareRoot() }
    /// Mean reward over all 2 * pairs responses.
    public var rewardMean: Double { rewardSum / Double(2 * pairs) }
    /// Standard deviation of the reward over all responses.
    public var rewardStd: Double { max(rewardSquareSum / Double(2 * pairs) - rewardMean * rewardMean, 0).squareRoot() }
}
