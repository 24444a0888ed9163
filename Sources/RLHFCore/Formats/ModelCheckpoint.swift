import Foundation

/// Loads a Hugging Face Llama checkpoint: `config.json` and a single `model.safetensors`.
///
/// Every tensor the configuration implies must be present with its exact shape, and no other
/// tensor may be, except `lm_head.weight` in a tied model when it equals the embedding (as
/// some exporters write it). Tensors of any dtype `SafetensorsFile` reads are converted to Float.
///
/// - Returns: the configuration, the head, and the parameters laid out by
///   `ParameterLayout(config:head:)`.
public func loadHFModel(directory: URL) throws(FormatError) -> (config: ModelConfig, head: ModelHead, parameters: FloatBuffer) {
    let (config, head) = try HFConfig.read(contentsOf: directory.appendingPathComponent("config.json"))
    let weightsURL = directory.appendingPathComponent("model.safetensors")
    let fileManager = FileManager.default
    if !fileManager.fileExists(atPath: weightsURL.path),
       fileManager.fileExists(atPath: directory.appendingPathComponent("model.safetensors.index.json").path) {
        throw .unsupportedConfig(path: weightsURL.path, detail: "checkpoint is sharded (model.safetensors.index.json); only a single model.safetensors is supported")
    }
    let file = try SafetensorsFile(contentsOf: weightsURL)
    let path = weightsURL.path

    let layout = ParameterLayout(config: config, head: head)
    let parameters = FloatBuffer(count: layout.count)
    let tensors = Dictionary(file.tensors.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    for view in layout.views {
        guard let tensor = tensors[view.name] else {
            throw .missingTensor(path: path, tensor: view.name)
        }
        guard tensor.shape == view.shape else {
            throw .shapeMismatch(path: path, tensor: view.name, expected: view.shape, got: tensor.shape)
        }
        tensor.data.withUnsafeBufferPointer { source in
            guard let base = source.baseAddress else { return }
            (parameters.pointer + view.offset).update(from: base, count: view.count)
        }
    }

    let expected = Set(layout.views.map(\.name))
    for tensor in file.tensors where !expected.contains(tensor.name) {
        let isTiedCopy = head == .languageModel && config.tieEmbeddings && tensor.name == "lm_head.weight"
            && tensor.data == tensors["model.embed_tokens.weight"]?.data
        guard isTiedCopy else {
            let reason = tensor.name == "lm_head.weight" && head == .languageModel && config.tieEmbeddings
                ? "tie_word_embeddings is true but lm_head.weight differs from model.embed_tokens.weight"
                : "the configuration (\(head == .scalar ? "scalar head" : "language model")) has no tensor of this name"
            throw .unexpectedTensor(path: path, tensor: tensor.name, detail: reason)
        }
    }
    return (config, head, parameters)
}

/// Saves a checkpoint that `transformers` loads: `config.json` and `model.safetensors` with every
/// view of `ParameterLayout(config:head:)` as F32, in layout order, under its Hugging Face name.
///
/// Weights that are NaN or infinite are refused (`FormatError.unwritable`) before anything is
/// written. The weights stream from `parameters` into a temporary file (no copy of them is made
/// in memory) and each file is renamed into place, so a failure never leaves a partial file in
/// `directory`.
public func saveHFModel(config: ModelConfig, head: ModelHead, parameters: FloatBuffer, to directory: URL) throws(FormatError) {
    let configData = try HFConfig.encode(config, head: head)
    let layout = ParameterLayout(config: config, head: head)
    let weightsURL = directory.appendingPathComponent("model.safetensors")
    guard parameters.count == layout.count else {
        throw .unwritable(path: weightsURL.path, detail: "the parameter buffer holds \(parameters.count) floats but the layout of this configuration needs \(layout.count)")
    }
    var tensors: [SafetensorsOutput] = []
    for view in layout.views {
        let values = UnsafeBufferPointer(start: parameters.pointer + view.offset, count: view.count)
        // A diverged model must never replace a good one on disk.
        if let index = values.firstIndex(where: { !$0.isFinite }) {
            throw .unwritable(path: weightsURL.path, detail: "tensor '\(view.name)' holds \(values[index]) at element \(index); non-finite weights are never written")
        }
        tensors.append(SafetensorsOutput(name: view.name, shape: view.shape, values: .buffer(parameters, offset: view.offset, count: view.count)))
    }

    do {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    } catch {
        throw .io(path: directory.path, detail: "cannot create directory: \(error.localizedDescription)")
    }
    try SafetensorsFile.write(tensors, to: weightsURL)
    try writeAtomically(to: directory.appendingPathComponent("config.json")) { (file: inout AtomicFileWriter) throws(FormatError) in
        try file.append(configData)
    }
}
