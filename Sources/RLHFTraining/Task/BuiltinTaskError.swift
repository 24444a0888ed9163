/// The built-in task's files cannot be written.
public enum BuiltinTaskError: Error, Equatable, CustomStringConvertible {
    case io(path: String, detail: String)

    public var description: String {
        switch self {
        case .io(let path, let detail): "\(path): \(detail)"
        }
    }
}
