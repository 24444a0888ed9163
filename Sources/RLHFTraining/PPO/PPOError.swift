/// What stops a PPO run, with what to do about it.
public enum PPOError: Error, CustomStringConvertible {
    /// A message between roles could not be decoded: mismatched binaries or a corrupted link.
    case badMessage(what: String, error: any Error)
    /// Models, tokenizer and settings that cannot work together.
    case incompatible(String)
    /// Rollouts sampled with other weights than the schedule says: ranks out of step.
    case offSchedule(iteration: Int, version: Int, expected: Int, overlap: Bool)

    public var description: String {
        switch self {
        case .badMessage(let what, let error):
            "cannot decode \(what): \(error); every rank must run the same rlhf binary"
        case .incompatible(let detail):
            detail
        case .offSchedule(let iteration, let version, let expected, let overlap):
            "iteration \(iteration + 1) received rollouts sampled with policy version \(version), but with ppo.overlap = \(overlap) the actors must hold version \(expected); every rank must run the same binary and config"
        }
    }
}
