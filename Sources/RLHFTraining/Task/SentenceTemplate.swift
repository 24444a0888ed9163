/// One sentence shape of the built-in task's grammar: fixed words and slots filled from word
/// lists, with what the sentence is about and its stance.
struct SentenceTemplate: Sendable {
    /// The sentence's role in a review.
    enum Kind: Hashable, Sendable {
        /// Introduces the purchase, often naming the product.
        case opening
        /// An overall opinion of the product.
        case opinion
        /// A statement about one aspect.
        case aspect(ReviewAspect)
        /// Says nothing about the product's merits.
        case filler
        /// Closes the review.
        case ending
    }

    /// What a sentence takes a stance on; two opposite stances on one topic contradict.
    enum Topic: Hashable, Sendable {
        case overall
        case aspect(ReviewAspect)
    }

    enum Polarity: Hashable, Sendable {
        case positive, negative, neutral

        var opposite: Polarity {
            switch self {
            case .positive: .negative
            case .negative: .positive
            case .neutral: .neutral
            }
        }
    }

    enum Part: Sendable {
        case word(String)
        case slot(WordList)
    }

    let kind: Kind
    let polarity: Polarity
    let parts: [Part]

    /// A template from a spec such as "I bought the {color} {product} last week.", whose braced
    /// names are slots from `ReviewVocabulary.wordLists`.
    init(_ kind: Kind, _ polarity: Polarity, _ spec: String) {
        self.kind = kind
        self.polarity = polarity
        parts = ReviewText.tokens(of: spec).map { token in
            guard token.hasPrefix("{"), token.hasSuffix("}") else { return .word(token) }
            let name = String(token.dropFirst().dropLast())
            guard let list = ReviewVocabulary.wordLists[name] else {
                preconditionFailure("sentence template \"\(spec)\" names an unknown word list {\(name)}")
            }
            return .slot(list)
        }
    }

    /// The topic the sentence takes a stance on, if any.
    var topic: Topic? {
        switch kind {
        case .opinion, .ending: .overall
        case .aspect(let aspect): .aspect(aspect)
        case .opening, .filler: nil
        }
    }

    /// Whether `tokens` (words and punctuation) are an instance of this template.
    func matches(_ tokens: ArraySlice<String>) -> Bool {
        guard tokens.count == parts.count else { return false }
        for (part, token) in zip(parts, tokens) {
            switch part {
            case .word(let word):
                guard word == token else { return false }
            case .slot(let list):
                guard list.members.contains(token) else { return false }
            }
        }
        return true
    }

    /// Appends the sentence, with each slot filled by `fill`, to `text` (after a space unless
    /// `text` is empty).
    func render(into text: inout String, filling fill: (WordList) -> String) {
        for part in parts {
            switch part {
            case .word(let word): ReviewText.append(word, to: &text)
            case .slot(let list): ReviewText.append(fill(list), to: &text)
            }
        }
    }
}
