import RLHFCore

/// Why a tokenizer could not be loaded, written, trained or configured. Every message names the
/// file (or setting) and what is wrong with it, so that it can be fixed without reading code.
public enum TokenizerError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file or directory cannot be read or written.
    case io(path: String, detail: String)
    /// The file is not well-formed JSON.
    case invalidJSON(path: String, detail: String)
    /// A required field is absent.
    case missingField(path: String, field: String)
    /// A field holds a value of the wrong type or an impossible value.
    case invalidField(path: String, field: String, detail: String)
    /// A field asks for a feature this tokenizer does not implement (e.g. a WordPiece model).
    case unsupported(path: String, field: String, detail: String)
    /// A llama2.c `tokenizer.bin` failed to load.
    case llama2c(FormatError)
    /// The path is neither a `.json` file, a `.bin` file, nor a directory holding a tokenizer.
    case unrecognizedFile(path: String)
    /// A chat template preset name that does not exist.
    case unknownChatTemplate(name: String)
    /// Trainer settings that cannot produce a tokenizer.
    case invalidTrainerSettings(detail: String)

    public var description: String {
        switch self {
        case .io(let path, let detail):
            "\(path): \(detail)"
        case .invalidJSON(let path, let detail):
            "\(path): not valid JSON: \(detail)"
        case .missingField(let path, let field):
            "\(path): required field '\(field)' is missing"
        case .invalidField(let path, let field, let detail):
            "\(path): field '\(field)' is invalid: \(detail)"
        case .unsupported(let path, let field, let detail):
            "\(path): field '\(field)' is not supported: \(detail)"
        case .llama2c(let error):
            error.description
        case .unrecognizedFile(let path):
            "\(path): not a tokenizer: expected a Hugging Face tokenizer.json (a .json file, or a directory containing tokenizer.json) or a llama2.c tokenizer .bin file"
        case .unknownChatTemplate(let name):
            "unknown chat template '\(name)'; available: \(ChatTemplate.presetNames.joined(separator: ", "))"
        case .invalidTrainerSettings(let detail):
            "BPE trainer: \(detail)"
        }
    }
}
