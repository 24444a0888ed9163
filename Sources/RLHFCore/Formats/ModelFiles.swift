import Foundation

/// Opens a model from either supported format: a Hugging Face directory (`config.json` +
/// `model.safetensors`) or a llama2.c `.bin` checkpoint.
public func loadModel(at url: URL) throws -> LlamaModel {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
        throw FormatError.io(path: url.path, detail: "no such file or directory")
    }
    if isDirectory.boolValue {
        let (config, head, parameters) = try loadHFModel(directory: url)
        return try LlamaModel(config: config, head: head, parameters: parameters)
    }
    let (config, parameters) = try loadLlama2cModel(file: url)
    return try LlamaModel(config: config, head: .languageModel, parameters: parameters)
}
