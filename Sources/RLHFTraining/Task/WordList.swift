/// A named set of interchangeable words that fills one slot of a sentence template.
struct WordList: Sendable {
    /// The slot's name, as template specs write it in braces: `{color}`.
    let name: String
    /// The words in a fixed order, so that sampling is deterministic.
    let words: [String]
    /// The same words, for matching.
    let members: Set<String>

    init(_ name: String, _ words: [String]) {
        self.name = name
        self.words = words
        members = Set(words)
    }
}
