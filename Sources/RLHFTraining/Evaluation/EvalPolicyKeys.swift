extension StageSchemas {
    /// The `rlhf eval` keys that turn it into a policy evaluation (set `eval.baseline`).
    static let policyEvaluationKeys = [
        ConfigKey("eval.baseline", .string, default: "",
                  help: "Evaluate model.path as a policy against this model (usually the SFT model) on the prompts in data.files"),
        ConfigKey("eval.judge", .string, default: "",
                  help: "Score responses with a scripted judge: builtin (the built-in task's gold judge and grammar) or stories (the stories judge); empty: win rate under eval.reward_model"),
        ConfigKey("eval.judge_vocabulary", .string, default: "",
                  help: "A text file of stories whose words are the stories judge's fluent vocabulary (judge: stories)"),
        ConfigKey("eval.perplexity_model", .string, default: "",
                  help: "The model whose perplexity of both models' responses is reported (e.g. the pretrained model); empty = eval.baseline"),
        ConfigKey("eval.reward_model", .string, default: "", help: "A reward model scoring both models' responses (policy evaluation)"),
        ConfigKey("eval.max_prompt_tokens", .int, default: 64, help: "Prompts keep their last this many tokens (policy evaluation)"),
        ConfigKey("eval.max_new_tokens", .int, default: 48, help: "Longest response (policy evaluation)"),
        ConfigKey("eval.temperature", .double, default: 1.0, help: "Sampling temperature of both models (policy evaluation)"),
        ConfigKey("eval.seed", .int, default: 7, help: "Sampling seed (policy evaluation)"),
        ConfigKey("eval.output", .string, default: "", help: "Also write the results (and sample responses) as JSON to this file"),
    ]
}
