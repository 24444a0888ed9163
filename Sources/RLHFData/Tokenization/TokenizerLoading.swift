import Foundation
import RLHFCore

/// Loads the tokenizer at `url`, choosing the format by what the path is:
///
/// - a `.json` file, or a directory containing `tokenizer.json` (a Hugging Face model
///   directory): a `BPETokenizer`;
/// - a `.bin` file, or a directory containing `tokenizer.bin` but no `tokenizer.json`: a
///   llama2.c `Llama2cTokenizer`, with every token the file holds.
///
/// To change which tokens are BOS, EOS or padding, load a `BPETokenizer` directly and set its
/// `specialTokens`.
public func loadTokenizer(at url: URL) throws(TokenizerError) -> any Tokenizer {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
        throw .io(path: url.path, detail: "no such file or directory")
    }
    var file = url
    if isDirectory.boolValue {
        let json = url.appendingPathComponent("tokenizer.json")
        let bin = url.appendingPathComponent("tokenizer.bin")
        if FileManager.default.fileExists(atPath: json.path) {
            file = json
        } else if FileManager.default.fileExists(atPath: bin.path) {
            file = bin
        } else {
            throw .unrecognizedFile(path: url.path)
        }
    }
    switch file.pathExtension.lowercased() {
    case "json":
        return try BPETokenizer(contentsOf: file)
    case "bin":
        do {
            return try Llama2cTokenizer(contentsOf: file)
        } catch {
            throw .llama2c(error)
        }
    default:
        throw .unrecognizedFile(path: file.path)
    }
}
