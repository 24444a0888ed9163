import Foundation
import RLHFCore
import RLHFData

/// What every stage does around its training loop: resolve the tokenizer, load data files with
/// a train/eval split, prepare the run directory, and save the final model beside its tokenizer.
public struct StageEnvironment {
    public let config: RunConfig
    public let group: DataParallelGroup
    public let runDirectory: URL
    let options: LoadOptions

    public init(config: RunConfig, group: DataParallelGroup) {
        self.config = config
        self.group = group
        // `rlhf eval` writes nothing and has no output.dir: it runs in the current directory.
        runDirectory = URL(fileURLWithPath: config.schema.key(named: "output.dir") == nil ? "." : config.string("output.dir"))
        options = LoadOptions(skipBadLines: config.bool("data.skip_bad_lines"))
    }

    /// Prints on rank 0 only.
    public func say(_ message: String) {
        if group.isLeader { Console.line(message) }
    }

    /// Creates the run directory and records the resolved config in it (rank 0).
    public func prepareRunDirectory() throws {
        guard group.isLeader else { return }
        try FileManager.default.createDirectory(at: runDirectory, withIntermediateDirectories: true)
        try Data(config.yaml().utf8).write(to: runDirectory.appendingPathComponent("config.yaml"), options: .atomic)
    }

    /// The tokenizer file: `tokenizer.path`, else `tokenizer.json` or `tokenizer.bin` inside the
    /// model directory.
    public func tokenizerURL(modelPath: String) throws -> URL {
        try Self.tokenizerURL(config: config, modelPath: modelPath)
    }

    /// `tokenizerURL(modelPath:)` for any config with a `tokenizer.path` key.
    public static func tokenizerURL(config: RunConfig, modelPath: String) throws -> URL {
        if let path = config.optionalString("tokenizer.path") { return URL(fileURLWithPath: path) }
        let directory = URL(fileURLWithPath: modelPath)
        for name in ["tokenizer.json", "tokenizer.bin"] {
            let candidate = directory.appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
        }
        let place = modelPath.isEmpty ? "a fresh model has none"
            : "the model \(modelPath) is not a directory holding tokenizer.json or tokenizer.bin"
        throw TrainingError.invalidSetting("no tokenizer: \(place); set tokenizer.path (--set tokenizer.path=...)")
    }

    /// Tokenizer, chat template and context length for a model.
    public func stageData(modelPath: String, model: LlamaModel) throws -> StageData {
        let tokenizer = try loadTokenizer(at: tokenizerURL(modelPath: modelPath))
        guard tokenizer.vocabSize <= model.config.vocabSize else {
            throw TrainingError.invalidSetting(
                "the tokenizer has \(tokenizer.vocabSize) tokens but the model's vocabulary is \(model.config.vocabSize); use the model's own tokenizer")
        }
        // Pretraining has no template: its documents are plain text.
        let template = config.schema.key(named: "tokenizer.template") == nil
            ? ChatTemplate.plain : try ChatTemplate(preset: config.string("tokenizer.template"))
        let requested = config.int("data.seq_len")
        try config.require("data.seq_len", requested >= 0 && requested <= model.config.maxSeqLen,
                           "must be between 0 (the model's context) and the model's context length \(model.config.maxSeqLen)")
        return StageData(tokenizer: tokenizer, template: template, maxLength: requested == 0 ? model.config.maxSeqLen : requested)
    }

    /// Records from `data.train` split into train and eval: from `data.eval` when given, else
    /// by a stable hash of each record's key so that a prompt never lands on both sides.
    public func loadSplit<Record>(key: (Record) -> String,
                                  load: (URL, LoadOptions) throws -> ([Record], LoadSummary)) throws -> (train: [Record], eval: [Record]) {
        var records: [Record] = []
        for path in config.stringList("data.train") {
            let (loaded, summary) = try load(URL(fileURLWithPath: path), options)
            say("data: \(summary)")
            records += loaded
        }
        if let evalPath = config.optionalString("data.eval") {
            let (eval, summary) = try load(URL(fileURLWithPath: evalPath), options)
            say("data: \(summary)")
            return (records, eval)
        }
        let fraction = config.double("data.eval_fraction")
        try config.require("data.eval_fraction", fraction >= 0 && fraction < 1, "must be in [0, 1)")
        return splitTrainEval(records, evalFraction: fraction, key: key)
    }

    /// Writes the final model to `output.dir/model` (rank 0) with its tokenizer beside it, so
    /// that the next stage needs only the directory.
    public func saveFinalModel(_ model: LlamaModel, tokenizerURL: URL, extraFiles: [String: Data] = [:]) throws -> URL {
        let directory = runDirectory.appendingPathComponent("model")
        if group.isLeader {
            try Self.writeModel(model, tokenizerURL: tokenizerURL, to: directory, extraFiles: extraFiles)
        }
        try group.communicator.barrier()
        return directory
    }

    /// Writes `model` as a Hugging Face directory with its tokenizer (and `extraFiles`) beside it.
    public static func writeModel(_ model: LlamaModel, tokenizerURL: URL?, to directory: URL,
                                  extraFiles: [String: Data] = [:]) throws {
        try saveHFModel(config: model.config, head: model.head, parameters: model.parameters, to: directory)
        if let tokenizerURL {
            let name = tokenizerURL.pathExtension == "json" ? "tokenizer.json" : "tokenizer.bin"
            let destination = directory.appendingPathComponent(name)
            if destination.standardizedFileURL != tokenizerURL.standardizedFileURL {
                try Data(contentsOf: tokenizerURL).write(to: destination, options: .atomic)
            }
        }
        for (name, data) in extraFiles {
            try data.write(to: directory.appendingPathComponent(name), options: .atomic)
        }
    }
}
