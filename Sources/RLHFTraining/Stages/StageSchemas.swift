import RLHFData

/// The configuration keys of the single-model stages. The README's key tables are generated
/// from these (`rlhf config keys`), and a test checks that they stay in step.
public enum StageSchemas {
    public static let pretrain = ConfigSchema(name: "pretrain", keys: [
        ConfigKey("model.init", .string, default: "",
                  help: "Model to continue pretraining (Hugging Face directory or llama2.c .bin); empty starts from random weights shaped by the model.* keys below"),
        ConfigKey("model.dim", .int, default: 64, help: "Width of the residual stream (fresh models)"),
        ConfigKey("model.n_layers", .int, default: 4, help: "Transformer blocks (fresh models)"),
        ConfigKey("model.n_heads", .int, default: 4, help: "Query heads (fresh models)"),
        ConfigKey("model.n_kv_heads", .int, default: 4, help: "Key/value heads; fewer than n_heads is grouped-query attention (fresh models)"),
        ConfigKey("model.hidden_dim", .int, default: 0, help: "SwiGLU hidden width; 0 = Llama's rule, 2/3 of 4*dim rounded up to a multiple of 32 (fresh models)"),
        ConfigKey("model.max_seq_len", .int, default: 256, help: "Context length (fresh models)"),
        ConfigKey("model.rope_theta", .double, default: 10000, help: "RoPE base (fresh models)"),
        ConfigKey("model.norm_eps", .double, default: 1e-5, help: "RMSNorm epsilon (fresh models)"),
        ConfigKey("model.tie_embeddings", .bool, default: true, help: "Share the token embedding with the LM head (fresh models)"),
        ConfigKey("model.init_std", .double, default: 0.02, help: "Standard deviation of fresh weight matrices"),
        tokenizerPath, dataTrain, dataEval, dataEvalFraction, dataSkipBadLines, dataSeqLen,
    ] + training(lr: 1e-3, steps: 200, batch: 8, weightDecay: 0.1) + output("runs/pretrain"))

    public static let sft = ConfigSchema(name: "sft", keys: [
        ConfigKey("model.init", .string, help: "The model to fine-tune: a Hugging Face directory or a llama2.c .bin"),
        tokenizerPath, template, dataTrain, dataEval, dataEvalFraction, dataSkipBadLines, dataSeqLen,
    ] + training(lr: 1e-4, steps: 200, batch: 8, weightDecay: 0) + output("runs/sft"))

    public static let rm = ConfigSchema(name: "rm", keys: [
        ConfigKey("model.init", .string,
                  help: "The SFT model whose trunk initialises the reward model (a fresh scalar head replaces its LM head)"),
        ConfigKey("rm.margin", .double, default: 0, help: "Margin m in the loss -log sigmoid(r_chosen - r_rejected - m)"),
        ConfigKey("rm.group_by_prompt", .bool, default: false,
                  help: "Train on each prompt's pairs (a run of consecutive pairs with one prompt, as rlhf compare writes them) as one example, each response scored once (InstructGPT); train.batch_size then counts prompts"),
        ConfigKey("rm.head_init_std", .double, default: 0,
                  help: "Standard deviation of the fresh scalar head; 0 = 1/sqrt(dim+1), as in OpenAI's reward models"),
        tokenizerPath, template, dataTrain, dataEval, dataEvalFraction, dataSkipBadLines, dataSeqLen,
    ] + training(lr: 5e-5, steps: 200, batch: 8, weightDecay: 0) + output("runs/rm"))

    public static let eval = ConfigSchema(name: "eval", keys: [
        ConfigKey("model.path", .string, help: "The model to evaluate: a language model (perplexity), a reward model (pairwise accuracy), or a policy (with eval.baseline)"),
        tokenizerPath, template,
        ConfigKey("data.files", .stringList, help: "Data to evaluate on: text/SFT files for a language model, preference files for a reward model, prompt files for a policy"),
        dataSkipBadLines, dataSeqLen,
        ConfigKey("eval.batch_size", .int, default: 8, help: "Sequences (or pairs) per forward pass"),
        ConfigKey("eval.max_examples", .int, default: 0, help: "Evaluate at most this many examples (the first ones); 0 = all"),
        threads,
    ] + policyEvaluationKeys)

    /// Every stage schema, in the order the README documents them.
    public static var all: [ConfigSchema] { [pretrain, sft, rm, eval, compare, ppo] }

    static let tokenizerPath = ConfigKey(
        "tokenizer.path", .string, default: "",
        help: "Tokenizer: a Hugging Face tokenizer.json or a llama2.c tokenizer.bin; empty = the one inside the model directory")
    static let template = ConfigKey(
        "tokenizer.template", .string, default: "plain",
        help: "Chat template turning prompts and responses into tokens: " + ChatTemplate.presetNames.joined(separator: ", "))
    static let dataTrain = ConfigKey(
        "data.train", .stringList,
        help: "Training files (.jsonl, .jsonl.gz, or .txt for text); several are concatenated")
    static let dataEval = ConfigKey(
        "data.eval", .string, default: "",
        help: "Held-out file; empty = hold out data.eval_fraction of data.train by a stable hash of each prompt")
    static let dataEvalFraction = ConfigKey(
        "data.eval_fraction", .double, default: 0.1, help: "Share of data.train held out when data.eval is empty")
    static let dataSkipBadLines = ConfigKey(
        "data.skip_bad_lines", .bool, default: false,
        help: "Skip and count malformed lines instead of stopping at the first (also --skip-bad-lines)")
    static let dataSeqLen = ConfigKey(
        "data.seq_len", .int, default: 0, help: "Longest training sequence in tokens; 0 = the model's context length")
    static let threads = ConfigKey(
        "runtime.threads", .int, default: 0,
        help: "OpenBLAS threads per rank; 0 = the cores of this host divided by the ranks on it")

    static func training(lr: Double, steps: Int, batch: Int, weightDecay: Double) -> [ConfigKey] {
        [
            ConfigKey("train.steps", .int, default: .int(steps), help: "Optimiser steps"),
            ConfigKey("train.batch_size", .int, default: .int(batch),
                      help: "Examples per rank per step; the global batch is batch_size x ranks"),
            ConfigKey("train.micro_batch_size", .int, default: 0,
                      help: "Examples per forward/backward pass (gradient accumulation); 0 = batch_size"),
            ConfigKey("train.lr", .double, default: .double(lr), help: "Peak learning rate"),
            ConfigKey("train.min_lr_ratio", .double, default: 0.1, help: "Cosine decay ends at lr x min_lr_ratio"),
            ConfigKey("train.warmup_steps", .int, default: 10, help: "Linear warm-up steps"),
            ConfigKey("train.weight_decay", .double, default: .double(weightDecay), help: "AdamW decoupled weight decay (matrices only)"),
            ConfigKey("train.beta1", .double, default: 0.9, help: "AdamW beta1"),
            ConfigKey("train.beta2", .double, default: 0.95, help: "AdamW beta2"),
            ConfigKey("train.grad_clip", .double, default: 1.0, help: "Clip the global gradient norm to this; 0 = off"),
            ConfigKey("train.max_nonfinite_steps", .int, default: 3,
                      help: "A step whose loss or gradient norm is NaN or Inf is skipped (no update, counted in train/skipped_updates); this many in a row stop the run; 1 = stop at the first"),
            ConfigKey("train.seed", .int, default: 1, help: "Seed of the data order and of fresh weights"),
            ConfigKey("train.eval_every", .int, default: 50, help: "Evaluate every N steps (and at the end); 0 = only at the end"),
            ConfigKey("train.log_every", .int, default: 10, help: "Print a progress line every N steps"),
            ConfigKey("checkpoint.every", .int, default: 100, help: "Checkpoint every N steps (and at the end); 0 = only at the end"),
            ConfigKey("checkpoint.keep", .int, default: 2, help: "Checkpoints kept; older ones are deleted"),
            threads,
        ]
    }

    static func output(_ directory: String) -> [ConfigKey] {
        [ConfigKey("output.dir", .string, default: .string(directory),
                   help: "Run directory: config.yaml, metrics.jsonl, checkpoints/ and the final model/")]
    }
}

extension OptimizationSettings {
    /// The `train.*` and `checkpoint.*` keys of a stage config, range-checked.
    public init(config: RunConfig) throws(ConfigError) {
        try config.require("train.steps", config.int("train.steps") > 0, "must be at least 1")
        try config.require("train.batch_size", config.int("train.batch_size") > 0, "must be at least 1")
        try config.require("train.micro_batch_size", config.int("train.micro_batch_size") >= 0, "must be 0 or more")
        try config.require("train.lr", config.double("train.lr") > 0, "must be positive")
        try config.require("train.warmup_steps", config.int("train.warmup_steps") >= 0, "must be 0 or more")
        try config.require("train.grad_clip", config.double("train.grad_clip") >= 0, "must be 0 (off) or positive")
        try config.require("train.max_nonfinite_steps", config.int("train.max_nonfinite_steps") >= 1, "must be at least 1")
        try config.require("train.seed", config.int("train.seed") >= 0, "must be 0 or more")
        try config.require("checkpoint.keep", config.int("checkpoint.keep") >= 1, "must be at least 1")
        self.init(steps: config.int("train.steps"), batchSize: config.int("train.batch_size"),
                  microBatchSize: config.int("train.micro_batch_size"), learningRate: config.float("train.lr"),
                  minLearningRateRatio: config.float("train.min_lr_ratio"), warmupSteps: config.int("train.warmup_steps"),
                  weightDecay: config.float("train.weight_decay"), beta1: config.float("train.beta1"),
                  beta2: config.float("train.beta2"), gradientClip: config.float("train.grad_clip"),
                  maxNonFiniteSteps: config.int("train.max_nonfinite_steps"),
                  seed: UInt64(config.int("train.seed")), evalEvery: config.int("train.eval_every"),
                  logEvery: config.int("train.log_every"), checkpointEvery: config.int("checkpoint.every"),
                  keepCheckpoints: config.int("checkpoint.keep"))
    }
}
