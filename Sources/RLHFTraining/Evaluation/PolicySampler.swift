import Foundation
import RLHFCore
import RLHFData
import RLHFDistributed

/// Samples responses from a policy for many prompts, spread over the ranks of a group. Each
/// prompt's samples come from a generator seeded by (seed, prompt index), so the texts do not
/// depend on how many ranks share the work.
public struct PolicySampler {
    public let model: LlamaModel
    public let tokenizer: any Tokenizer
    public let template: ChatTemplate
    public let sampling: SamplingParameters
    public let maxNewTokens: Int
    public let maxPromptTokens: Int
    public let seed: UInt64

    public init(model: LlamaModel, tokenizer: any Tokenizer, template: ChatTemplate, sampling: SamplingParameters,
                maxNewTokens: Int, maxPromptTokens: Int, seed: UInt64) {
        self.model = model
        self.tokenizer = tokenizer
        self.template = template
        self.sampling = sampling
        self.maxNewTokens = maxNewTokens
        self.maxPromptTokens = maxPromptTokens
        self.seed = seed
    }

    /// `count` responses for every prompt, in prompt order, on rank 0 of `group` (the other
    /// ranks get an empty array). Prompts are dealt round-robin to the ranks.
    public func sample(_ prompts: [String], count: Int, group: DataParallelGroup) throws -> [[SampledResponse]] {
        let generator = Generator(model: model, sampling: sampling, maxNewTokens: maxNewTokens, eosToken: tokenizer.specialTokens.eos)
        var mine: [Int: [SampledResponse]] = [:]
        for index in stride(from: group.rank, to: prompts.count, by: group.size) {
            let tokens = promptTokens(prompts[index])
            var rng = RandomGenerator(seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(index))
            let sequences = try generator.generate(prompts: Array(repeating: tokens, count: count), rng: &rng)
            mine[index] = sequences.map { SampledResponse(text: tokenizer.decode($0.tokens), tokens: $0.tokens) }
        }
        return try gather(mine, prompts: prompts.count, group: group)
    }

    /// The prompt as the policy sees it: templated, at most `maxPromptTokens` (BOS kept).
    public func promptTokens(_ prompt: String) -> [Int32] {
        PPOTrainer.truncated(template.encodePrompt(prompt, with: tokenizer), to: maxPromptTokens,
                             keepingFirst: tokenizer.specialTokens.bos != nil)
    }

    /// Every rank's results on rank 0, as JSON (not a hot path: a few kilobytes per rank).
    private func gather(_ mine: [Int: [SampledResponse]], prompts: Int, group: DataParallelGroup) throws -> [[SampledResponse]] {
        let tag = 77
        guard group.isLeader else {
            try group.communicator.send(Array(try JSONEncoder().encode(mine)), to: 0, tag: tag)
            return []
        }
        var all = mine
        for rank in 1..<group.size {
            let bytes = try group.communicator.receive(from: rank, tag: tag).bytes
            all.merge(try JSONDecoder().decode([Int: [SampledResponse]].self, from: Data(bytes))) { $1 }
        }
        return (0..<prompts).map { all[$0] ?? [] }
    }
}

/// One sampled response: its text and the tokens it was sampled as (EOS included when it ended).
public struct SampledResponse: Codable, Equatable, Sendable {
    public var text: String
    public var tokens: [Int32]
}
