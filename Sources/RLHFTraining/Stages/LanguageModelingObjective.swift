import Foundation
import RLHFCore

/// Next-token cross-entropy over each sequence's masked tokens: pretraining (every token) and
/// SFT (response tokens only). The loss is the mean over all target tokens of the global batch.
public struct LanguageModelingObjective: TrainingObjective {
    public let train: [TrainingSequence]
    public let eval: [TrainingSequence]
    let padToken: Int32
    /// Examples per forward pass (training micro-batches and evaluation batches); 0 = all at once.
    let microBatchSize: Int

    public init(train: [TrainingSequence], eval: [TrainingSequence], padToken: Int32, microBatchSize: Int) {
        self.train = train
        self.eval = eval
        self.padToken = padToken
        self.microBatchSize = microBatchSize
    }

    public var trainCount: Int { train.count }

    public func weight(of examples: ArraySlice<Int>) -> Double {
        examples.reduce(0.0) { $0 + Double(train[$1].targetCount) }
    }

    public func accumulateGradients(of model: LlamaModel, on examples: ArraySlice<Int>, scale: Float) throws -> ObjectiveSums {
        var sums = ObjectiveSums()
        for chunk in examples.chunked(microBatchSize) {
            let input = LanguageModelingBatch(chunk.map { train[$0] }, padToken: padToken, limit: model.config.maxSeqLen)
            try model.forward(input.batch)
            let (logp, _) = try model.tokenLogProbs(targets: input.targets)
            var loss = 0.0
            for i in 0..<logp.count where input.mask[i] != 0 { loss -= Double(logp[i]) }
            model.backward(dLogProbs: input.mask.map { -$0 * scale })
            sums = sums + ObjectiveSums(loss: loss, tokens: Double(input.batch.lengths.reduce(0, +)))
        }
        return sums
    }

    /// `eval/loss` (mean next-token cross-entropy over target tokens) and `eval/perplexity`.
    public func evaluate(_ model: LlamaModel, group: DataParallelGroup) throws -> [String: Double] {
        let (loss, count) = try Self.meanLoss(model, on: eval, group: group, padToken: padToken,
                                              batchSize: microBatchSize)
        guard count > 0 else { return [:] }
        return ["eval/loss": loss, "eval/perplexity": exp(loss)]
    }

    /// The mean cross-entropy over `sequences`' target tokens and the number of target tokens,
    /// with sequences dealt round-robin to the ranks of `group`.
    public static func meanLoss(_ model: LlamaModel, on sequences: [TrainingSequence], group: DataParallelGroup,
                                padToken: Int32, batchSize: Int) throws -> (loss: Double, targets: Double) {
        let mine = Array(stride(from: group.rank, to: sequences.count, by: group.size))
        var loss = 0.0, targets = 0.0
        for chunk in mine[...].chunked(batchSize) {
            let input = LanguageModelingBatch(chunk.map { sequences[$0] }, padToken: padToken, limit: model.config.maxSeqLen)
            try model.forward(input.batch, keepingActivationsForBackward: false)
            let (logp, _) = try model.tokenLogProbs(targets: input.targets)
            for i in 0..<logp.count where input.mask[i] != 0 {
                loss -= Double(logp[i])
                targets += 1
            }
        }
        let total = try group.sum([loss, targets])
        return (total[1] > 0 ? total[0] / total[1] : .nan, total[1])
    }
}

extension ArraySlice {
    /// Consecutive pieces of at most `size` elements (all of them in one piece when `size` <= 0).
    func chunked(_ size: Int) -> [ArraySlice<Element>] {
        guard size > 0, count > size else { return isEmpty ? [] : [self] }
        return stride(from: startIndex, to: endIndex, by: size).map { self[$0..<Swift.min($0 + size, endIndex)] }
    }
}
