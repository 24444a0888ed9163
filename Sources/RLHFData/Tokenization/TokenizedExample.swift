/// A tokenized training example: the tokens, which of them are trained on, and where the prompt ends.
public struct TokenizedExample: Equatable, Sendable {
    /// Every token of the sequence, BOS and EOS included.
    public var tokens: [Int32]
    /// `true` on response tokens (the assistant's words, its turn suffix, and the final EOS):
    /// the tokens SFT trains on and PPO scores. Same length as `tokens`.
    public var responseMask: [Bool]
    /// The number of tokens before the first response token; `tokens.count` if there is none.
    public var promptLength: Int

    public init(tokens: [Int32], responseMask: [Bool], promptLength: Int) {
        self.tokens = tokens
        self.responseMask = responseMask
        self.promptLength = promptLength
    }
}
