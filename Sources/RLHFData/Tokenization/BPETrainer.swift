/// Trains a byte-level BPE tokenizer (GPT-2 style) on a text corpus.
///
/// The initial vocabulary is the 256 byte values (ids 0-255, so a byte's token id is the
/// byte), words come from the GPT-2 pre-tokenization pattern, and merges of the most frequent
/// adjacent pair are learned until the vocabulary, special tokens included, has `vocabSize`
/// tokens, or no pair occurs `minFrequency` times (then it is smaller). Special tokens take
/// the last ids, as `<|endoftext|>` does in GPT-2. Occurrences of special tokens in the corpus
/// are cut out before counting, so no merge learns their pieces.
///
/// With the default special tokens, EOS is `<|endoftext|>`, padding is `<|pad|>`, and there
/// is no BOS: GPT-2 style models separate documents with EOS only.
public struct BPETrainer: Sendable {
    /// The number of tokens to reach, special tokens included.
    public var vocabSize: Int
    /// Added tokens, matched verbatim in text and never split; special for decoding.
    public var specialTokens: [String]
    /// Pairs occurring fewer times than this are never merged.
    public var minFrequency: Int

    public init(vocabSize: Int, specialTokens: [String] = ["<|endoftext|>", "<|pad|>"], minFrequency: Int = 2) {
        self.vocabSize = vocabSize
        self.specialTokens = specialTokens
        self.minFrequency = minFrequency
    }

    /// Learns merges from `corpus`, each element a document (words never span elements).
    public func train(corpus: some Sequence<String>) throws(TokenizerError) -> BPETokenizer {
        try validate()
        let (words, counts) = countWords(in: corpus)
        var learner = MergeLearner(words: words, counts: counts)
        learner.learn(untilTokenCount: vocabSize - specialTokens.count, minFrequency: minFrequency)

        // When merges run out early, the special tokens follow the learned ones directly.
        let addedTokens = specialTokens.enumerated().map { index, content in
            AddedToken(id: Int32(learner.tokenBytes.count + index), content: content, isSpecial: true, isNormalized: false)
        }
        var vocabulary = learner.tokenBytes.enumerated().map { (token: ByteLevelAlphabet.encode($0.element), id: Int32($0.offset)) }
        for token in addedTokens {
            if let clash = vocabulary.first(where: { $0.token.utf8.elementsEqual(token.content.utf8) }) {
                throw .invalidTrainerSettings(detail: "special token '\(token.content)' is spelled like the learned token \(clash.id); choose a distinct spelling such as <|\(token.content)|>")
            }
            vocabulary.append((token.content, token.id))
        }
        let merges = learner.merges.map { merge in
            BPEModel.Merge(
                left: ByteLevelAlphabet.encode(learner.tokenBytes[Int(merge.left)]),
                right: ByteLevelAlphabet.encode(learner.tokenBytes[Int(merge.right)])
            )
        }
        let model: BPEModel
        do {
            model = try BPEModel(vocabulary: vocabulary, merges: merges, unknownToken: nil, fusesUnknown: false, usesByteFallback: false, ignoresMerges: false)
        } catch {
            throw .invalidTrainerSettings(detail: "learned an inconsistent model (\(error.field): \(error.detail)); please report this as a bug")
        }
        return BPETokenizer(
            model: model, addedTokens: addedTokens, normalizer: nil,
            preTokenizer: .byteLevel(addPrefixSpace: false, trimOffsets: true, useRegex: true),
            // The library writes these flags on its ByteLevel decoder; they do not affect decoding.
            decoder: .byteLevel(addPrefixSpace: true, trimOffsets: true, useRegex: true)
        )
    }

    private func validate() throws(TokenizerError) {
        guard minFrequency >= 1 else {
            throw .invalidTrainerSettings(detail: "minFrequency is \(minFrequency); it must be at least 1")
        }
        if let empty = specialTokens.firstIndex(where: \.isEmpty) {
            throw .invalidTrainerSettings(detail: "special token \(empty) is empty")
        }
        for (index, token) in specialTokens.enumerated()
        where specialTokens[..<index].contains(where: { $0.utf8.elementsEqual(token.utf8) }) {
            throw .invalidTrainerSettings(detail: "special token '\(token)' is listed twice")
        }
        let minimum = 256 + specialTokens.count
        guard vocabSize >= minimum, vocabSize <= Int(Int32.max) else {
            throw .invalidTrainerSettings(detail: "vocabSize is \(vocabSize); it must be at least \(minimum) (256 byte tokens + \(specialTokens.count) special tokens)")
        }
    }

    /// Distinct words of `corpus` in byte order (so training does not depend on hash seeds)
    /// and their counts.
    private func countWords(in corpus: some Sequence<String>) -> ([[UInt8]], [Int]) {
        let specials = specialTokens.map { AddedToken(id: 0, content: $0, isSpecial: true, isNormalized: false) }
        let matcher = AddedTokenMatcher(tokens: specials) { Array($0.content.utf8) }
        var counts: [[UInt8]: Int] = [:]
        for document in corpus {
            let bytes = Array(document.utf8)
            for case .text(let range) in matcher.segments(of: bytes) {
                let text = Array(bytes[range])
                GPT2Split.forEachPiece(in: text) { piece in
                    counts[Array(text[piece]), default: 0] += 1
                }
            }
        }
        let words = counts.keys.sorted { $0.lexicographicallyPrecedes($1) }
        return (words, words.map { counts[$0] ?? 0 })
    }
}
