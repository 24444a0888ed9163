import RLHFCore

/// Draws reviews from the built-in task's probabilistic grammar, good and bad alike.
///
/// A review is an optional opening, one to five body sentences (aspects, opinions, fillers),
/// sometimes a repeated sentence, and an optional ending. Each review has a mood that most of
/// its stances follow; the rest oppose it, which yields contradictions. The requested aspect is
/// one topic among many, and the product or its color is sometimes the wrong one. So samples
/// range from reviews the gold judge rates highly to poor ones, and every sample is grammatical.
enum ReviewSampler {
    /// One review for `request`, without the leading space that follows the prompt.
    static func review(for request: ReviewRequest, using rng: inout RandomGenerator) -> String {
        let mood: SentenceTemplate.Polarity = rng.nextChance(0.7) ? .positive : .negative
        let product = rng.nextChance(0.85) ? request.product : other(than: request.product, in: ReviewVocabulary.products, using: &rng)
        let color = rng.nextChance(0.8) ? request.color : other(than: request.color, in: ReviewVocabulary.colors, using: &rng)

        var text = ""
        text.reserveCapacity(256)
        // UTF-8 offsets rather than string indices, which appending invalidates.
        var sentences: [Range<Int>] = []
        func stance() -> SentenceTemplate.Polarity {
            rng.nextChance(0.85) ? mood : mood.opposite
        }
        func append(_ kind: SentenceTemplate.Kind, _ polarity: SentenceTemplate.Polarity) {
            let start = text.utf8.count
            rng.nextElement(of: ReviewGrammar.templates(kind, polarity)).render(into: &text) { list in
                switch list.name {
                case ReviewVocabulary.products.name: product
                case ReviewVocabulary.colors.name: color
                default: rng.nextElement(of: list.words)
                }
            }
            sentences.append(start..<text.utf8.count)
        }

        if rng.nextChance(0.85) {
            append(.opening, .neutral)
        }
        for _ in 0...rng.nextIndex(below: 5) {
            let draw = rng.nextUnitDouble()
            if draw < 0.45 {
                let aspect = rng.nextChance(0.5) ? request.aspect : rng.nextElement(of: ReviewAspect.allCases)
                append(.aspect(aspect), stance())
            } else if draw < 0.75 {
                append(.opinion, rng.nextChance(0.15) ? .neutral : stance())
            } else {
                append(.filler, .neutral)
            }
        }
        if rng.nextChance(0.1) {
            let range = rng.nextElement(of: sentences)
            let utf8 = text.utf8
            let sentence = utf8[utf8.index(utf8.startIndex, offsetBy: range.lowerBound)..<utf8.index(utf8.startIndex, offsetBy: range.upperBound)]
            // A sentence's range includes the space before it, unless it opens the review.
            text += (sentence.first == UInt8(ascii: " ") ? "" : " ") + String(decoding: sentence, as: UTF8.self)
        }
        if rng.nextChance(0.75) {
            append(.ending, rng.nextChance(0.25) ? .neutral : stance())
        }
        return text
    }

    /// A word of `list` other than `word`.
    private static func other(than word: String, in list: WordList, using rng: inout RandomGenerator) -> String {
        rng.nextElement(of: list.words.filter { $0 != word })
    }
}
