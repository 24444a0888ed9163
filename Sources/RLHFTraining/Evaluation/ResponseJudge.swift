/// A scripted judge of responses: a score (higher is better) and whether a response is fluent.
/// The built-in task's gold judge and the stories judge conform; `rlhf compare --judge` and the
/// policy evaluation use it in place of people.
public protocol ResponseJudge: Sendable {
    /// The quality of `response` to `prompt`.
    func score(prompt: String, response: String) -> Double
    /// Whether `response` reads as fluent text of the task's language.
    func isFluent(_ response: String) -> Bool
}
