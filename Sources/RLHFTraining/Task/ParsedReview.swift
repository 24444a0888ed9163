/// A text cut into sentences, each matched against the grammar: what the gold judge and the
/// grammar acceptor both read.
struct ParsedReview {
    /// Every token of the text, words and punctuation.
    let tokens: [String]
    /// The terminated sentences, in order.
    let sentences: [ArraySlice<String>]
    /// Each sentence's template, or nil for a sentence outside the grammar.
    let templates: [SentenceTemplate?]
    /// Whether tokens follow the last terminator: a review cut off mid-sentence.
    let isUnterminated: Bool

    init(_ text: String) {
        tokens = ReviewText.tokens(of: text)
        let (sentences, unterminated) = ReviewText.sentences(of: tokens)
        self.sentences = sentences
        templates = sentences.map(ReviewGrammar.template(matching:))
        isUnterminated = !unterminated.isEmpty
    }

    /// Whether the grammar could have produced the text: at least one sentence, each an
    /// instance of a template, and nothing after the last one.
    var isGrammatical: Bool {
        !sentences.isEmpty && !isUnterminated && templates.allSatisfy { $0 != nil }
    }
}
