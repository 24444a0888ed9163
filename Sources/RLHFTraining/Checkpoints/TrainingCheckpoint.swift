import Foundation
import RLHFCore

/// The content of one training checkpoint directory:
///
/// - `config.json` + `model.safetensors`: the model, as a Hugging Face directory (so any
///   checkpoint also loads with `loadHFModel` and in `transformers`);
/// - `optimizer.safetensors`: AdamW's moments as F32 tensors `m` and `v`, its step in the metadata;
/// - `state.json`: the `TrainingState`.
///
/// `write` fills a directory (typically inside `CheckpointStore.save`); `read` verifies the
/// directory against its manifest before loading it.
public struct TrainingCheckpoint {
    /// The model's shape, from `config.json`.
    public var config: ModelConfig
    /// The model's head (language model or scalar), from `config.json`.
    public var head: ModelHead
    /// The weights, laid out by `ParameterLayout(config:head:)`.
    public var parameters: FloatBuffer
    /// AdamW's step count (the t of its bias correction).
    public var optimizerStep: Int
    /// AdamW's first moment, one value per parameter.
    public var m: [Float]
    /// AdamW's second moment, one value per parameter.
    public var v: [Float]
    /// Step, data position, generator and running statistics, from `state.json`.
    public var state: TrainingState

    /// The optimiser's file name inside a checkpoint directory.
    public static let optimizerFile = "optimizer.safetensors"
    /// The training state's file name inside a checkpoint directory.
    public static let stateFile = "state.json"
    private static let stepMetadataKey = "step"

    /// Writes the model, optimiser and state files into `directory`.
    public static func write(to directory: URL, model: LlamaModel, optimizer: AdamW, state: TrainingState) throws(CheckpointError) {
        do {
            try saveHFModel(config: model.config, head: model.head, parameters: model.parameters, to: directory)
            try SafetensorsFile.write(moments(of: optimizer), metadata: [stepMetadataKey: String(optimizer.step)],
                                      to: directory.appendingPathComponent(optimizerFile))
        } catch {
            throw .io(path: error.pathAndDetail.path, detail: error.pathAndDetail.detail)
        }
        let stateURL = directory.appendingPathComponent(stateFile)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        // JSON has no NaN or infinity; statistics in `extra` may legitimately be either.
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do {
            try encoder.encode(state).write(to: stateURL)
        } catch {
            throw .io(path: stateURL.path, detail: "cannot write: \(error.localizedDescription)")
        }
    }

    /// AdamW's moments as F32 tensors `m` and `v`, written from the optimiser's buffers in place.
    private static func moments(of optimizer: AdamW) -> [SafetensorsOutput] {
        [
            SafetensorsOutput(name: "m", shape: [optimizer.m.count], values: .buffer(optimizer.m, offset: 0, count: optimizer.m.count)),
            SafetensorsOutput(name: "v", shape: [optimizer.v.count], values: .buffer(optimizer.v, offset: 0, count: optimizer.v.count)),
        ]
    }

    /// Verifies `directory` (`CheckpointStore.verify`) and reads its model, optimiser and state.
    /// Pass `verifyingManifest: false` for a part of a checkpoint whose enclosing directory was
    /// verified already (a PPO checkpoint's `policy/` and `critic/`).
    public static func read(from directory: URL, verifyingManifest: Bool = true) throws(CheckpointError) -> TrainingCheckpoint {
        if verifyingManifest { try CheckpointStore.verify(directory) }
        let model: (config: ModelConfig, head: ModelHead, parameters: FloatBuffer)
        do {
            model = try loadHFModel(directory: directory)
        } catch {
            throw .invalidContent(directory: directory.path, file: URL(fileURLWithPath: error.pathAndDetail.path).lastPathComponent,
                                  detail: error.pathAndDetail.detail)
        }

        let optimizerURL = directory.appendingPathComponent(optimizerFile)
        let moments: SafetensorsFile
        do {
            moments = try SafetensorsFile(contentsOf: optimizerURL)
        } catch {
            throw .invalidContent(directory: directory.path, file: optimizerFile, detail: error.pathAndDetail.detail)
        }
        guard let m = moments.tensor(named: "m")?.data, let v = moments.tensor(named: "v")?.data else {
            throw .invalidContent(directory: directory.path, file: optimizerFile, detail: "tensors \"m\" and \"v\" are required")
        }
        guard m.count == model.parameters.count, v.count == model.parameters.count else {
            throw .invalidContent(directory: directory.path, file: optimizerFile,
                                  detail: "moments hold \(m.count) and \(v.count) values but the model has \(model.parameters.count) parameters")
        }
        guard let stepText = moments.metadata[stepMetadataKey], let optimizerStep = Int(stepText), optimizerStep >= 0 else {
            throw .invalidContent(directory: directory.path, file: optimizerFile, detail: "metadata \"\(stepMetadataKey)\" must be a non-negative integer")
        }

        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let state: TrainingState
        do {
            state = try decoder.decode(TrainingState.self, from: Data(contentsOf: directory.appendingPathComponent(stateFile)))
        } catch {
            throw .invalidContent(directory: directory.path, file: stateFile, detail: String(describing: error))
        }
        return TrainingCheckpoint(config: model.config, head: model.head, parameters: model.parameters,
                                  optimizerStep: optimizerStep, m: m, v: v, state: state)
    }
}

extension FormatError {
    /// The file the error is about, and the message without that path in front.
    var pathAndDetail: (path: String, detail: String) {
        let path = switch self {
        case .truncated(let path, _), .corrupt(let path, _), .unsupportedDType(let path, _, _),
             .shapeMismatch(let path, _, _, _), .missingTensor(let path, _), .unexpectedTensor(let path, _, _),
             .unsupportedConfig(let path, _), .unwritable(let path, _), .io(let path, _):
            path
        }
        let prefix = path + ": "
        return (path, description.hasPrefix(prefix) ? String(description.dropFirst(prefix.count)) : description)
    }
}
