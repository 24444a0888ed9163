/// Decides whether a text could have been produced by the built-in task's grammar: the
/// fluency measure of the task, standing in for "reads like real language".
///
/// A text is accepted when it is one or more sentences, each an instance of one of the
/// grammar's sentence templates word for word (case included), with nothing after the last
/// sentence's full stop. Whitespace between words is free; a leading space, line breaks or
/// doubled spaces do not matter. Shuffled words, misspellings, repeated words and text cut off
/// mid-sentence are rejected.
public struct GrammarAcceptor: Sendable {
    public init() {}

    /// Whether the grammar could have produced `response`.
    public func accepts(_ response: String) -> Bool {
        ParsedReview(response).isGrammatical
    }

    /// The share of `responses` that are accepted, in [0, 1]; 0 for no responses.
    public func fluency(_ responses: [String]) -> Double {
        guard !responses.isEmpty else { return 0 }
        return Double(responses.count(where: accepts)) / Double(responses.count)
    }
}
