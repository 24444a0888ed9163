/// A scripted judge of responses: a score (higher is better) and whether a response is fluent.
/// The built-in task's gold judge and the stories judge conform (`JudgeCatalog` names them);
/// `rlhf compare`, its simulated annotators and the policy evaluation use it in place of people.
public protocol ResponseJudge: Sendable {
    /// The quality of `response` to `prompt`.
    func score(prompt: String, response: String) -> Double
    /// Whether `response` reads as fluent text of the task's language.
    func isFluent(_ response: String) -> Bool
    /// The words in `response`, as the judge counts them (annotators may like longer responses).
    func wordCount(_ response: String) -> Int
}

extension ResponseJudge {
    /// The index (0 or 1) of the better of responses `a` and `b` to `prompt`: the noise-free
    /// label that annotators approximate. Nil when they score the same.
    public func preferred(prompt: String, a: String, b: String) -> Int? {
        let (scoreA, scoreB) = (score(prompt: prompt, response: a), score(prompt: prompt, response: b))
        return scoreA == scoreB ? nil : (scoreA > scoreB ? 0 : 1)
    }
}
