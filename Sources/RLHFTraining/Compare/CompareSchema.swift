extension StageSchemas {
    /// The keys of `rlhf compare`.
    public static let compare = ConfigSchema(name: "compare", keys: [
        ConfigKey("model.path", .string, help: "The policy to sample from (usually the SFT model)"),
        tokenizerPath, template,
        ConfigKey("data.prompts", .stringList, help: "Prompt files ({\"prompt\"} JSONL, or any SFT/preference file's prompts, or .txt: one per line)"),
        dataSkipBadLines,
        ConfigKey("compare.samples_per_prompt", .int, default: 2, help: "Responses sampled per prompt; consecutive responses form pairs"),
        ConfigKey("compare.max_prompt_tokens", .int, default: 64, help: "Prompts keep their last this many tokens"),
        ConfigKey("compare.max_new_tokens", .int, default: 48, help: "Longest response"),
        ConfigKey("compare.temperature", .double, default: 1.0, help: "Sampling temperature"),
        ConfigKey("compare.top_k", .int, default: 0, help: "Sample among the k most likely tokens; 0 = all"),
        ConfigKey("compare.top_p", .double, default: 1.0, help: "Nucleus sampling; 1 = off"),
        ConfigKey("compare.seed", .int, default: 1, help: "Seed of the sampling and of the simulated annotators"),
        ConfigKey("compare.judge", .string, default: "",
                  help: "builtin: label the pairs with the built-in task's simulated annotators; gold: with its noise-free gold judge (ties dropped), to measure a reward model; empty: write candidates for rlhf label"),
        ConfigKey("compare.annotators", .int, default: 5, help: "Simulated annotators (builtin judge)"),
        ConfigKey("compare.annotator_temperature", .double, default: 1.0,
                  help: "Bradley-Terry temperature of the simulated annotators: higher is noisier"),
        ConfigKey("compare.annotator_bias_std", .double, default: 0.5,
                  help: "Spread of the annotators' individual preference for longer responses"),
        ConfigKey("output.candidates", .string, default: "runs/compare/candidates.jsonl",
                  help: "Candidate pairs for rlhf label ({\"id\",\"prompt\",\"a\",\"b\"})"),
        ConfigKey("output.preferences", .string, default: "runs/compare/preferences.jsonl",
                  help: "Preference pairs labelled by the builtin judge ({\"prompt\",\"chosen\",\"rejected\"})"),
        threads,
    ])
}
