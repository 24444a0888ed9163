/// A training run that cannot continue, with what happened and what to do about it.
public enum TrainingError: Error, CustomStringConvertible {
    /// Data-parallel replicas hold different weights: a broken MPI library or hardware fault.
    case replicasDiverged(context: String, ranks: Int, size: Int)
    /// A loss or gradient norm that is NaN or infinite; nothing was written.
    case nonFinite(step: Int, what: String)
    /// The data gives no example the stage can train on.
    case noExamples(String)
    /// A setting that cannot work with the data, the model or the rank count.
    case invalidSetting(String)
    /// `--resume` found nothing to resume from, or a checkpoint from an incompatible run.
    case cannotResume(String)

    public var description: String {
        switch self {
        case .replicasDiverged(let context, let ranks, let size):
            "\(context): \(ranks) of \(size) ranks hold weights that differ from rank 0's; data-parallel replicas must stay bit-identical (check that every node runs the same binary and MPI library)"
        case .nonFinite(let step, let what):
            "step \(step): \(what) is not finite (NaN or Inf); stopping without writing weights. Lower train.lr or set train.grad_clip, then resume from the last checkpoint"
        case .noExamples(let detail):
            "no training examples: \(detail)"
        case .invalidSetting(let detail):
            detail
        case .cannotResume(let detail):
            "cannot resume: \(detail)"
        }
    }
}
