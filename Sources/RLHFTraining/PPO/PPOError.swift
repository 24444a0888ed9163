/// What stops a PPO run, with what to do about it.
public enum PPOError: Error, CustomStringConvertible {
    /// A message between roles could not be decoded: mismatched binaries or a corrupted link.
    case badMessage(what: String, error: any Error)
    /// Models, tokenizer and settings that cannot work together.
    case incompatible(String)

    public var description: String {
        switch self {
        case .badMessage(let what, let error):
            "cannot decode \(what): \(error); every rank must run the same rlhf binary"
        case .incompatible(let detail):
            detail
        }
    }
}
