/// The hidden rule of the built-in task, standing in for human raters: a score in [0, 10] for
/// a review given its prompt. The model never sees it; the simulated annotators' preferences
/// derive from it, and evaluation measures against it exactly.
///
/// A review starts from 3 and gains or loses:
/// - +2 for naming the requested product, and +0.5 more for naming it with its requested
///   color ("blue kettle"); -1 for naming any other product;
/// - +2.5 for a grammatical sentence about the requested aspect;
/// - +0.5 per distinct polite or positive tone word (love, great, happy, excellent, superb,
///   recommend, thanks, beautiful, elegant), at most +2;
/// - -2 per repeated sentence;
/// - -0.2 per word short of 20 or beyond 35 words, at most -3;
/// - -2 per contradiction: a topic (the product overall, or one aspect) that its grammatical
///   sentences describe both positively and negatively;
/// - -4 unless the grammar accepts it (see `GrammarAcceptor`): disfluency costs the most.
///
/// The total is clamped to [0, 10]; the best reviews reach 10.
public struct GoldJudge: Sendable {
    /// What the judge measured in one review; `score` combines it.
    public struct Criteria: Equatable, Sendable {
        /// The requested product is named.
        public var namesProduct: Bool
        /// The requested product is named right after its requested color.
        public var namesColoredProduct: Bool
        /// A product other than the requested one is named.
        public var namesOtherProduct: Bool
        /// A grammatical sentence is about the requested aspect.
        public var addressesAspect: Bool
        /// The number of distinct tone words.
        public var toneWords: Int
        /// Sentences that repeat an earlier one.
        public var repeatedSentences: Int
        /// Words, not counting punctuation.
        public var wordCount: Int
        /// Topics described both positively and negatively.
        public var contradictions: Int
        /// The grammar accepts the review.
        public var isFluent: Bool

        /// The words-per-review range without a length penalty.
        public static let lengthRange = 20...35

        /// The review's score in [0, 10].
        public var score: Double {
            var score = 3.0
            if namesProduct { score += 2 }
            if namesColoredProduct { score += 0.5 }
            if namesOtherProduct { score -= 1 }
            if addressesAspect { score += 2.5 }
            score += 0.5 * Double(min(toneWords, 4))
            score -= 2 * Double(repeatedSentences)
            let outside = max(Self.lengthRange.lowerBound - wordCount, wordCount - Self.lengthRange.upperBound, 0)
            score -= min(0.2 * Double(outside), 3)
            score -= 2 * Double(contradictions)
            if !isFluent { score -= 4 }
            return min(max(score, 0), 10)
        }
    }

    public init() {}

    /// The score of `response` to `prompt`, in [0, 10]. For a prompt that is no request of the
    /// task (see `ReviewRequest(prompt:)`), nothing earns credit for answering the request.
    public func score(prompt: String, response: String) -> Double {
        criteria(prompt: prompt, response: response).score
    }

    /// Each criterion measured on `response` to `prompt`.
    public func criteria(prompt: String, response: String) -> Criteria {
        let request = ReviewRequest(prompt: prompt)
        let parsed = ParsedReview(response)
        let words = parsed.tokens.filter { !ReviewText.isPunctuation($0) }.map { $0.lowercased() }
        let products = words.filter(ReviewVocabulary.products.members.contains)
        let grammatical = parsed.templates.compactMap { $0 }

        var stances: [SentenceTemplate.Topic: Set<SentenceTemplate.Polarity>] = [:]
        for template in grammatical where template.polarity != .neutral {
            if let topic = template.topic {
                stances[topic, default: []].insert(template.polarity)
            }
        }

        return Criteria(
            namesProduct: products.contains { $0 == request?.product },
            namesColoredProduct: request.map { request in
                zip(words, words.dropFirst()).contains { $0 == request.color && $1 == request.product }
            } ?? false,
            namesOtherProduct: products.contains { $0 != request?.product },
            addressesAspect: request.map { request in
                grammatical.contains { $0.kind == .aspect(request.aspect) }
            } ?? false,
            toneWords: Set(words.filter(ReviewVocabulary.toneWords.contains)).count,
            repeatedSentences: parsed.sentences.indices.count(where: { index in
                parsed.sentences[..<index].contains { $0.elementsEqual(parsed.sentences[index]) }
            }),
            wordCount: words.count,
            contradictions: stances.values.count(where: { $0.count > 1 }),
            isFluent: parsed.isGrammatical
        )
    }
}
