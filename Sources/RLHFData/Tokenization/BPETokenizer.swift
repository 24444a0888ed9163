import Foundation

/// A byte-pair-encoding tokenizer read from (and written to) a Hugging Face `tokenizer.json`,
/// encoding and decoding exactly as the `tokenizers` library does.
///
/// Two flavours are supported: byte-level BPE (GPT-2, and everything `BPETrainer` produces),
/// where any text round-trips exactly, `decode(encode(text)) == text`; and sentencepiece-style
/// BPE with byte fallback (Llama, TinyLlama), whose normalizer or pre-tokenizer turns spaces
/// into "▁". The pipeline for `encode` is the library's: added tokens are cut out of the raw
/// text, the rest is normalized, split into words, and each word is merged by rank.
///
/// `encode` adds no special tokens and ignores the file's `post_processor` (which would add
/// e.g. Llama's BOS); chat templates add BOS and EOS explicitly.
public struct BPETokenizer: Tokenizer, Equatable {
    /// The number of token ids: one more than the largest id in the vocabulary or the added
    /// tokens, so every id `encode` returns is below it.
    public let vocabSize: Int

    /// BOS, EOS and padding, found by their usual spellings among the added tokens (then the
    /// vocabulary): BOS `<s>`, `<|bos|>`, `<|begin_of_text|>`, `<|startoftext|>`, `<bos>`;
    /// EOS `</s>`, `<|endoftext|>`, `<|eos|>`, `<|end_of_text|>`, `<eos>`; padding `<pad>`,
    /// `<|pad|>`, `[PAD]`, `<|padding|>`. Without a padding token, padding is EOS: padded
    /// positions are masked out, so any valid id will do. Set this to override the choice,
    /// e.g. `tokenizer.specialTokens.eos = tokenizer.id(of: "<|im_end|>")`.
    public var specialTokens: SpecialTokens

    let model: BPEModel
    let addedTokens: [AddedToken]
    let normalizer: Normalizer?
    let preTokenizer: PreTokenizer?
    let decoder: TokenDecoder?
    /// Kept verbatim so that `write(to:)` preserves it; encoding never applies it.
    let postProcessor: JSONValue

    /// Added tokens matched in the raw text, and those matched after normalization.
    private let rawMatcher: AddedTokenMatcher
    private let normalizedMatcher: AddedTokenMatcher
    /// Each id's token string (added tokens take precedence), nil for unused ids.
    private let tokens: [String?]
    private let specialIDs: Set<Int32>
    private let isByteLevel: Bool
    private let cache: WordCache

    static let bosSpellings = ["<s>", "<|bos|>", "<|begin_of_text|>", "<|startoftext|>", "<bos>"]
    static let eosSpellings = ["</s>", "<|endoftext|>", "<|eos|>", "<|end_of_text|>", "<eos>"]
    static let padSpellings = ["<pad>", "<|pad|>", "[PAD]", "<|padding|>"]

    init(
        model: BPEModel, addedTokens: [AddedToken], normalizer: Normalizer?, preTokenizer: PreTokenizer?,
        decoder: TokenDecoder?, postProcessor: JSONValue = .null
    ) {
        self.model = model
        self.addedTokens = addedTokens.sorted { $0.id < $1.id }
        self.normalizer = normalizer
        self.preTokenizer = preTokenizer
        self.decoder = decoder
        self.postProcessor = postProcessor
        cache = WordCache()
        // Special tokens are matched before ordinary added tokens, as in the library.
        let matchOrder = addedTokens.filter(\.isSpecial) + addedTokens.filter { !$0.isSpecial }
        rawMatcher = AddedTokenMatcher(tokens: matchOrder.filter { !$0.isNormalized }) { Array($0.content.utf8) }
        normalizedMatcher = AddedTokenMatcher(tokens: matchOrder.filter(\.isNormalized)) { token in
            normalizer?.apply(to: Array(token.content.utf8)) ?? Array(token.content.utf8)
        }
        isByteLevel = preTokenizer?.isByteLevel ?? false

        let largestID = max(model.vocabulary.last?.id ?? -1, addedTokens.map(\.id).max() ?? -1)
        vocabSize = Int(largestID) + 1
        var tokens = [String?](repeating: nil, count: vocabSize)
        for (token, id) in model.vocabulary {
            tokens[Int(id)] = token
        }
        for token in addedTokens {
            tokens[Int(token.id)] = token.content
        }
        self.tokens = tokens
        specialIDs = Set(addedTokens.filter(\.isSpecial).map(\.id))

        let contents = Dictionary(addedTokens.map { (Array($0.content.utf8), $0.id) }) { first, _ in first }
        func find(_ spellings: [String]) -> Int32? {
            for spelling in spellings {
                if let id = contents[Array(spelling.utf8)] { return id }
            }
            return spellings.lazy.compactMap { model.id(of: Array($0.utf8)) }.first
        }
        let eos = find(Self.eosSpellings)
        specialTokens = SpecialTokens(bos: find(Self.bosSpellings), eos: eos, pad: find(Self.padSpellings) ?? eos)
    }

    /// The id of the added token or vocabulary entry spelled exactly `token` (in the model's
    /// alphabet: byte-level vocabularies spell a space `Ġ`).
    public func id(of token: String) -> Int32? {
        let utf8 = Array(token.utf8)
        return addedTokens.first { $0.content.utf8.elementsEqual(utf8) }?.id ?? model.id(of: utf8)
    }

    /// The spelling of token `id` as the file lists it, or nil for an unused id.
    public func token(withID id: Int32) -> String? {
        tokens.indices.contains(Int(id)) ? tokens[Int(id)] : nil
    }

    /// The token ids of `text`, with no special tokens added (a special token's spelling in
    /// the text still encodes to that token).
    public func encode(_ text: String) -> [Int32] {
        let bytes = Array(text.utf8)
        var ids: [Int32] = []
        ids.reserveCapacity(bytes.count / 3)
        for segment in rawMatcher.segments(of: bytes) {
            switch segment {
            case .token(let id):
                ids.append(id)
            case .text(let range):
                encodeText(Array(bytes[range]), startsInput: range.lowerBound == 0, into: &ids)
            }
        }
        return ids
    }

    /// Normalizes text between raw added tokens, then cuts out the added tokens matched in
    /// normalized text, and encodes the rest word by word.
    private func encodeText(_ raw: [UInt8], startsInput: Bool, into ids: inout [Int32]) {
        let normalized = normalizer?.apply(to: raw) ?? raw
        for segment in normalizedMatcher.segments(of: normalized) {
            switch segment {
            case .token(let id):
                ids.append(id)
            case .text(let range):
                let text = PreTokenizer.Word(bytes: Array(normalized[range]), startsInput: startsInput && range.lowerBound == 0)
                encodeWords(of: text, into: &ids)
            }
        }
    }

    private func encodeWords(of text: PreTokenizer.Word, into ids: inout [Int32]) {
        let words = preTokenizer?.split([text]) ?? [text]
        for word in words where !word.bytes.isEmpty {
            ids += cache.ids(for: word.bytes) {
                var scalars = String.UnicodeScalarView()
                if isByteLevel {
                    for byte in word.bytes {
                        scalars.append(ByteLevelAlphabet.scalars[Int(byte)])
                    }
                } else {
                    scalars = String(decoding: word.bytes, as: UTF8.self).unicodeScalars
                }
                return model.tokenize(scalars)
            }
        }
    }

    /// The text of `tokens`: special tokens and ids outside the vocabulary contribute nothing,
    /// the rest go through the file's decoder (tokens joined by spaces when it has none, as in
    /// the library).
    public func decode(_ tokens: [Int32]) -> String {
        let strings = tokens.compactMap { id -> String? in
            guard !specialIDs.contains(id) else { return nil }
            return token(withID: id)
        }
        guard let decoder else { return strings.joined(separator: " ") }
        return decoder.decode(strings).joined()
    }

    /// Tokenizers are equal when they encode and decode alike and would write the same file.
    public static func == (lhs: BPETokenizer, rhs: BPETokenizer) -> Bool {
        lhs.model == rhs.model && lhs.addedTokens == rhs.addedTokens && lhs.normalizer == rhs.normalizer
            && lhs.preTokenizer == rhs.preTokenizer && lhs.decoder == rhs.decoder
            && lhs.postProcessor == rhs.postProcessor && lhs.specialTokens == rhs.specialTokens
    }
}
