extension StageSchemas {
    /// The `rlhf eval` keys that turn it into a policy evaluation (set `eval.baseline`).
    static let policyEvaluationKeys = [
        ConfigKey("eval.baseline", .string, default: "",
                  help: "Evaluate model.path as a policy against this model (usually the SFT model) on the prompts in data.files"),
        ConfigKey("eval.judge", .string, default: "",
                  help: "builtin: score responses with the built-in task's gold judge and grammar; empty: win rate under eval.reward_model"),
        ConfigKey("eval.reward_model", .string, default: "", help: "A reward model scoring both models' responses (policy evaluation)"),
        ConfigKey("eval.max_prompt_tokens", .int, default: 64, help: "Prompts keep their last this many tokens (policy evaluation)"),
        ConfigKey("eval.max_new_tokens", .int, default: 48, help: "Longest response (policy evaluation)"),
        ConfigKey("eval.temperature", .double, default: 1.0, help: "Sampling temperature of both models (policy evaluation)"),
        ConfigKey("eval.seed", .int, default: 7, help: "Sampling seed (policy evaluation)"),
        ConfigKey("eval.output", .string, default: "", help: "Also write the results (and sample responses) as JSON to this file"),
    ]
}

extension GoldJudge: ResponseJudge {
    /// Whether the built-in grammar could have produced `response`.
    public func isFluent(_ response: String) -> Bool {
        GrammarAcceptor().accepts(response)
    }
}
