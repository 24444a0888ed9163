import Foundation
import RLHFCore
import RLHFData

/// What the reward rank uses to score whole rollouts: a reward model, or a rule.
protocol Scorer {
    /// One score per sequence (prompt + response).
    func scores(prompts: [[Int32]], responses: [[Int32]]) throws -> [Float]
}

/// A reward model's value at each sequence's last real token, standardised with the statistics
/// stored beside the model when asked.
struct RewardModelScorer: Scorer {
    let model: LlamaModel
    let normalization: RewardNormalization?
    let padToken: Int32

    func scores(prompts: [[Int32]], responses: [[Int32]]) throws -> [Float] {
        let sequences = zip(prompts, responses).map { $0 + $1 }
        let batch = TokenBatch.padded(sequences, padToken: padToken, limit: model.config.maxSeqLen)
        let raw = batch.lastTokenValues(try model.forward(batch, keepingActivationsForBackward: false))
        guard let normalization, normalization.std > 0 else { return raw }
        return raw.map { Float((Double($0) - normalization.mean) / normalization.std) }
    }
}

/// `keyword:TEXT`: the number of times TEXT occurs in the decoded response. A known reward for
/// tests and demos: what the policy should learn is plain.
struct KeywordScorer: Scorer {
    let keyword: String
    let tokenizer: any Tokenizer

    func scores(prompts: [[Int32]], responses: [[Int32]]) throws -> [Float] {
        responses.map { Float(tokenizer.decode($0).components(separatedBy: keyword).count - 1) }
    }

    /// The scorer a `reward.scorer` value names.
    static func parse(_ text: String, tokenizer: any Tokenizer) throws -> KeywordScorer {
        guard text.hasPrefix("keyword:"), text.count > "keyword:".count else {
            throw ConfigError.invalidValue(key: "reward.scorer", reason: "must be keyword:TEXT, got \"\(text)\"")
        }
        return KeywordScorer(keyword: String(text.dropFirst("keyword:".count)), tokenizer: tokenizer)
    }
}
