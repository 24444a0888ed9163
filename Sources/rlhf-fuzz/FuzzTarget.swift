import Foundation
import RLHFCore
import RLHFData
import RLHFDistributed
import RLHFTraining

/// A parser of outside input, driven with one input at a time. `run` is given the input both
/// as bytes and as a file holding them (named `fileName`, since several loaders choose the
/// format by the name); it must end normally or throw, whatever the bytes.
struct FuzzTarget: Sendable {
    /// The name on the command line and of the corpus directory, `fuzz/corpus/<name>/`.
    let name: String
    /// What is parsed, for `--list`.
    let summary: String
    /// The input file's name inside the scratch directory.
    let fileName: String
    /// Files placed beside the input before the run (name and content).
    var companions: [String: [UInt8]] = [:]
    /// Seed inputs built in, instead of those of `fuzz/corpus/<name>/`.
    var builtinSeeds: [[UInt8]]? = nil
    let run: @Sendable (_ bytes: [UInt8], _ file: URL) throws -> Void

    static let all: [FuzzTarget] = [
        FuzzTarget(name: "jsonl", summary: "SFT, preference, prompt, text and candidate-pair JSONL loaders (strict and --skip-bad-lines)",
                   fileName: "input.jsonl", run: { _, file in try loadEveryDataset(file) }),
        FuzzTarget(name: "jsonl-gz", summary: "the same loaders on gzip-compressed JSONL (zlib)",
                   fileName: "input.jsonl.gz", run: { _, file in try loadEveryDataset(file) }),
        FuzzTarget(name: "yaml-config", summary: "YAML configs of every command, and their settings' range checks",
                   fileName: "config.yaml", run: { bytes, file in try loadConfigs(bytes, file: file) }),
        FuzzTarget(name: "safetensors", summary: "safetensors header and tensors",
                   fileName: "model.safetensors", run: { _, file in _ = try SafetensorsFile(contentsOf: file) }),
        FuzzTarget(name: "hf-config", summary: "Hugging Face config.json",
                   fileName: "config.json", run: { bytes, file in _ = try HFConfig.decode(Data(bytes), path: file.path) }),
        FuzzTarget(name: "llama2c-model", summary: "llama2.c .bin checkpoint header and weights",
                   fileName: "model.bin", run: { _, file in _ = try loadLlama2cModel(file: file) }),
        FuzzTarget(name: "tokenizer-json", summary: "Hugging Face tokenizer.json, then encoding and decoding with it",
                   fileName: "tokenizer.json", run: { _, file in try exercise(BPETokenizer(contentsOf: file)) }),
        FuzzTarget(name: "tokenizer-bin", summary: "llama2.c tokenizer.bin, then encoding and decoding with it",
                   fileName: "tokenizer.bin", run: { _, file in try exercise(loadTokenizer(at: file)) }),
        FuzzTarget(name: "messages", summary: "MPI message decoding: scoring requests, log-prob and score replies, experience batches, step reports",
                   fileName: "message.bin", run: { bytes, _ in try decodeEveryMessage(bytes) }),
        FuzzTarget(name: "manifest", summary: "checkpoint manifest.json, and verifying a checkpoint against it",
                   fileName: "manifest.json", companions: ["state.json": Array("{\"step\": 2}\n".utf8)],
                   run: { _, file in try CheckpointStore.verify(file.deletingLastPathComponent()) }),
    ]

    static func named(_ name: String) -> FuzzTarget? { (all + [selfCheck]).first { $0.name == name } }
}

/// Every dataset loader, strict and skipping bad lines.
private func loadEveryDataset(_ file: URL) throws {
    var loaders: [() throws -> Void] = [{ _ = try loadCandidatePairs(at: file) }]
    for skip in [false, true] {
        let options = LoadOptions(skipBadLines: skip)
        loaders += [
            { _ = try loadSFTExamples(at: file, options: options) },
            { _ = try loadPreferencePairs(at: file, options: options) },
            { _ = try loadPrompts(at: file, options: options) },
            { _ = try loadTextDocuments(at: file, options: options) },
        ]
    }
    try runEach(loaders)
}

/// Runs every parser on the same input, so that one input reaches them all. The input counts
/// as accepted when any parser accepts it; an error of a foreign type is always thrown, so that
/// the worker reports it.
private func runEach(_ parsers: [() throws -> Void]) throws {
    var errors: [Error] = []
    for parse in parsers {
        do {
            try parse()
        } catch {
            errors.append(error)
        }
    }
    if let untyped = errors.first(where: { !FuzzWorker.isTyped($0) }) { throw untyped }
    if errors.count == parsers.count, let first = errors.first { throw first }
}

/// The bytes as the config of every command, then the settings built from it; and the file
/// as a multi-stage file's `sft` section.
private func loadConfigs(_ bytes: [UInt8], file: URL) throws {
    let yaml = String(decoding: bytes, as: UTF8.self)
    let loaders: [() throws -> Void] = StageSchemas.all.map { schema in
        {
            let config = try RunConfig.load(schema: schema, yaml: yaml, source: file.path)
            switch schema.name {
            case "pretrain", "sft", "rm": _ = try OptimizationSettings(config: config)
            case "ppo": _ = try PPOSettings(config: config)
            default: break
            }
        }
    }
    try runEach(loaders + [{ _ = try RunConfig.load(schema: StageSchemas.sft, file: file, section: "sft", overrides: []) }])
}

/// A tokenizer that loaded must also encode and decode without trapping.
private func exercise(_ tokenizer: any Tokenizer) {
    let tokens = tokenizer.encode("Once upon a time, ünïcödé 😀 <|endoftext|>\n\t  x")
    _ = tokenizer.decode(tokens + [0, Int32(max(tokenizer.vocabSize - 1, 0))])
}

/// Every message kind's decoder on the same bytes (the kind byte picks which may succeed).
private func decodeEveryMessage(_ bytes: [UInt8]) throws {
    try runEach([
        { _ = try ScoringRequest(decoding: bytes) },
        { _ = try LogProbsReply(decoding: bytes) },
        { _ = try ScoresReply(decoding: bytes) },
        { _ = try ExperienceBatch(decoding: bytes) },
        { _ = try StepReport(decoding: bytes) },
    ])
}
