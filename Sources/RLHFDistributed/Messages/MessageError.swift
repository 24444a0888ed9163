/// Bytes that do not decode as the expected message.
///
/// Any of these means the sender and receiver disagree: they run different builds of rlhf, a
/// message reached the wrong receive, or the bytes were damaged on the way.
public enum MessageError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The bytes end inside a field of `expected` bytes that starts at byte `at`.
    case truncated(kind: MessageKind, expected: Int, at: Int)
    /// The bytes do not start with the magic of an rlhf message.
    case badMagic
    /// The message's format version is one this build cannot read.
    case unsupportedVersion(got: UInt8, supported: UInt8)
    /// The header names another kind of message (`got` is the raw kind, which may be unknown).
    case wrongKind(expected: MessageKind, got: UInt8)
    /// The fields are readable but inconsistent, e.g. a negative count or one larger than the
    /// bytes left; `detail` names the message kind, the field and its byte offset.
    case invalid(detail: String)

    public var description: String {
        switch self {
        case .truncated(let kind, let expected, let at):
            "the \(kind) message is cut short: a field of \(expected) bytes at byte \(at) runs "
                + "past its end; \(Self.advice)"
        case .badMagic:
            "the bytes do not start with the rlhf message magic \"RLHM\", so they are not a "
                + "message of this trainer; \(Self.advice)"
        case .unsupportedVersion(let got, let supported):
            "the message has format version \(got), but this build reads only version "
                + "\(supported); run the same rlhf build on every rank"
        case .wrongKind(let expected, let got):
            "expected a \(expected) message but got "
                + (MessageKind(rawValue: got).map { "a \($0) message" } ?? "an unknown kind \(got)")
                + "; \(Self.advice)"
        case .invalid(let detail):
            "invalid message: \(detail); \(Self.advice)"
        }
    }

    private static let advice =
        "check that every rank runs the same rlhf build and that the message was received on the "
        + "tag it was sent with"
}
