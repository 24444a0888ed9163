import RLHFData

/// Turns loaded records into the token sequences the objectives train on, under one tokenizer,
/// chat template and context length.
public struct StageData: Sendable {
    public let tokenizer: any Tokenizer
    public let template: ChatTemplate
    /// The longest sequence kept (the model's context, or less to save memory).
    public let maxLength: Int

    public init(tokenizer: any Tokenizer, template: ChatTemplate, maxLength: Int) {
        self.tokenizer = tokenizer
        self.template = template
        self.maxLength = maxLength
    }

    /// The padding id (`Tokenizer.paddingToken`).
    public var padToken: Int32 { tokenizer.paddingToken }

    /// Pretraining windows: the documents as one token stream (each starting with BOS when the
    /// tokenizer has one, else separated by EOS), cut into windows of `maxLength` tokens. A
    /// shorter tail is dropped.
    public func pretrainingWindows(_ documents: [String]) -> [TrainingSequence] {
        var stream: [Int32] = []
        let specials = tokenizer.specialTokens
        for document in documents {
            if let bos = specials.bos { stream.append(bos) }
            stream += tokenizer.encode(document)
            if specials.bos == nil, let eos = specials.eos { stream.append(eos) }
        }
        return stride(from: 0, to: stream.count - maxLength + 1, by: maxLength).map {
            TrainingSequence(tokens: Array(stream[$0..<($0 + maxLength)]), lossMask: [Bool](repeating: true, count: maxLength))
        }
    }

    /// SFT sequences with the loss on response tokens only. Examples longer than `maxLength` are
    /// cut at the end; those left with no response token are dropped and counted.
    public func supervisedSequences(_ examples: [SFTExample]) -> (sequences: [TrainingSequence], dropped: Int) {
        var sequences: [TrainingSequence] = []
        var dropped = 0
        for example in examples {
            let encoded: TokenizedExample
            switch example.content {
            case .completion(let prompt, let completion):
                encoded = template.encode(prompt: prompt, response: completion, with: tokenizer)
            case .messages(let messages):
                encoded = template.encode(messages: messages, with: tokenizer)
            }
            let sequence = TrainingSequence(tokens: Array(encoded.tokens.prefix(maxLength)),
                                            lossMask: Array(encoded.responseMask.prefix(maxLength)))
            if sequence.targetCount == 0 {
                dropped += 1
            } else {
                sequences.append(sequence)
            }
        }
        return (sequences, dropped)
    }

    /// Preference pairs as (prompt + chosen, prompt + rejected) sequences. A sequence longer than
    /// `maxLength` keeps its last `maxLength` tokens, since the reward is read at the end; the
    /// number of pairs that needed it is returned.
    public func preferencePairs(_ pairs: [PreferencePair]) -> (pairs: [TokenizedPair], truncated: Int) {
        var truncated = 0
        let tokenized = pairs.map { pair in
            let chosen = template.encode(prompt: pair.prompt, response: pair.chosen, with: tokenizer).tokens
            let rejected = template.encode(prompt: pair.prompt, response: pair.rejected, with: tokenizer).tokens
            if chosen.count > maxLength || rejected.count > maxLength { truncated += 1 }
            return TokenizedPair(chosen: Array(chosen.suffix(maxLength)), rejected: Array(rejected.suffix(maxLength)))
        }
        return (tokenized, truncated)
    }
}
