extension GoldJudge: ResponseJudge {
    /// Whether the built-in grammar could have produced `response`.
    public func isFluent(_ response: String) -> Bool {
        GrammarAcceptor().accepts(response)
    }

    /// The review's words, punctuation not counted (no prompt is needed to count them).
    public func wordCount(_ response: String) -> Int {
        criteria(prompt: "", response: response).wordCount
    }
}
