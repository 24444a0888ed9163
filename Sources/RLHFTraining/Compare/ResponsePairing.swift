/// How `rlhf compare` turns the k responses sampled for a prompt into pairs to label.
///
/// `all` gives the k(k-1)/2 comparisons that a ranking of k responses implies (InstructGPT
/// labels rankings of 4 to 9 this way): more labelled pairs per generated response, at the
/// price of pairs that share responses and so are not independent.
public enum ResponsePairing: String, CaseIterable, Sendable {
    case adjacent, all

    /// The pairing that `compare.pairing` names.
    public init(config: RunConfig) throws(ConfigError) {
        let name = config.string("compare.pairing")
        guard let pairing = ResponsePairing(rawValue: name) else {
            throw ConfigError.invalidValue(
                key: "compare.pairing", reason: "must be \(Self.allCases.map(\.rawValue).joined(separator: " or ")), got \"\(name)\"")
        }
        self = pairing
    }

    /// The index pairs (i < j) among `count` responses.
    public func indexPairs(count: Int) -> [(Int, Int)] {
        switch self {
        case .adjacent:
            return stride(from: 0, to: count - 1, by: 2).map { ($0, $0 + 1) }
        case .all:
            return (0..<count).flatMap { i in (i + 1..<count).map { (i, $0) } }
        }
    }
}
