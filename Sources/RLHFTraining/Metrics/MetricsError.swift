/// The metrics log cannot be read, rewritten or appended to.
public enum MetricsError: Error, Equatable, CustomStringConvertible {
    case io(path: String, detail: String)

    public var description: String {
        switch self {
        case .io(let path, let detail): "\(path): \(detail)"
        }
    }
}
