/// The special token ids a tokenizer defines; `nil` where it has none.
public struct SpecialTokens: Equatable, Sendable {
    /// Beginning of sequence, put before every training sequence when defined.
    public var bos: Int32?
    /// End of sequence: ends every response, and generation stops on it.
    public var eos: Int32?
    /// Padding for right-padded batches; never trained on.
    public var pad: Int32?

    public init(bos: Int32? = nil, eos: Int32? = nil, pad: Int32? = nil) {
        self.bos = bos
        self.eos = eos
        self.pad = pad
    }
}

/// Text to token ids and back. Conformers: `BPETokenizer` (Hugging Face `tokenizer.json`) and
/// `Llama2cTokenizer` (llama2.c `tokenizer.bin`).
public protocol Tokenizer: Sendable {
    /// The number of token ids; every id `encode` returns is below it.
    var vocabSize: Int { get }
    /// BOS, EOS and padding ids.
    var specialTokens: SpecialTokens { get }
    /// The tokens of `text`, with no special tokens added.
    func encode(_ text: String) -> [Int32]
    /// The text of `tokens`; special tokens decode to nothing.
    func decode(_ tokens: [Int32]) -> String
}

extension Tokenizer {
    /// The id batches are padded with: the pad token, else EOS, else 0 (padding is never
    /// trained on or read).
    public var paddingToken: Int32 { specialTokens.pad ?? specialTokens.eos ?? 0 }
}
