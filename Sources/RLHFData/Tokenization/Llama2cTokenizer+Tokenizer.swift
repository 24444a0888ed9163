import RLHFCore

/// A llama2.c `tokenizer.bin` used through the common `Tokenizer` interface.
///
/// `encode` is llama2.c's encoding without BOS or EOS, so it keeps sentencepiece's dummy-prefix
/// space: `encode("Hi")` spells " Hi", and `decode` only drops that space after BOS, so
/// `decode(encode(text))` is `" " + text` for non-empty text (while
/// `decode([bos] + encode(text)) == text`).
extension Llama2cTokenizer: Tokenizer {
    /// BOS 1 and EOS 2, as in llama2.c. The format has no padding token, so padding is EOS:
    /// padded positions are masked out, and EOS is a valid id every model has.
    public var specialTokens: SpecialTokens {
        SpecialTokens(bos: Self.bos, eos: Self.eos, pad: Self.eos)
    }

    /// The tokens of `text` with llama2.c's dummy-prefix space and no BOS or EOS.
    public func encode(_ text: String) -> [Int32] {
        encode(text, bos: false, eos: false)
    }
}
