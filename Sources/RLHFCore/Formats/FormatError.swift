import Foundation

/// A file that could not be read or written in one of the supported formats.
///
/// Every case names the file, and where it applies the tensor or key, so that the message alone
/// tells a person what to fix.
public enum FormatError: Error, Equatable, CustomStringConvertible {
    /// The file ends before the data its header or structure promises.
    case truncated(path: String, detail: String)
    /// The file is structurally invalid: bad header, inconsistent offsets, impossible sizes.
    case corrupt(path: String, detail: String)
    /// A tensor is stored in an element type this reader does not convert.
    case unsupportedDType(path: String, tensor: String, dtype: String)
    /// A tensor's shape disagrees with the model configuration.
    case shapeMismatch(path: String, tensor: String, expected: [Int], got: [Int])
    /// A tensor the model configuration requires is absent.
    case missingTensor(path: String, tensor: String)
    /// A tensor is present that the model configuration has no place for.
    case unexpectedTensor(path: String, tensor: String, detail: String)
    /// A configuration describes a model this project cannot represent.
    case unsupportedConfig(path: String, detail: String)
    /// In-memory data that cannot be written in the format, e.g. a tensor whose shape does not
    /// match its values.
    case unwritable(path: String, detail: String)
    /// The operating system refused to read, write or rename the file.
    case io(path: String, detail: String)

    public var description: String {
        switch self {
        case .truncated(let path, let detail):
            "\(path): file is truncated: \(detail)"
        case .corrupt(let path, let detail):
            "\(path): file is corrupt: \(detail)"
        case .unsupportedDType(let path, let tensor, let dtype):
            "\(path): tensor '\(tensor)' has unsupported dtype \(dtype) (supported: F32, F16, BF16, I32, I64)"
        case .shapeMismatch(let path, let tensor, let expected, let got):
            "\(path): tensor '\(tensor)' has shape \(got), expected \(expected)"
        case .missingTensor(let path, let tensor):
            "\(path): tensor '\(tensor)' is missing"
        case .unexpectedTensor(let path, let tensor, let detail):
            "\(path): unexpected tensor '\(tensor)': \(detail)"
        case .unsupportedConfig(let path, let detail):
            "\(path): unsupported model configuration: \(detail)"
        case .unwritable(let path, let detail):
            "\(path): cannot write: \(detail)"
        case .io(let path, let detail):
            "\(path): \(detail)"
        }
    }
}

/// The contents of `url` (memory-mapped: weights files are read once, in place), or an `.io`
/// error naming the file.
func readFormatFile(_ url: URL) throws(FormatError) -> Data {
    do {
        return try Data(contentsOf: url, options: .alwaysMapped)
    } catch {
        throw .io(path: url.path, detail: "cannot read file: \(error.localizedDescription)")
    }
}
