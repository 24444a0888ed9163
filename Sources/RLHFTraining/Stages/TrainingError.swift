/// A training run that cannot continue, with what happened and what to do about it.
public enum TrainingError: Error, CustomStringConvertible {
    /// Data-parallel replicas hold different weights: a broken MPI library or hardware fault.
    case replicasDiverged(context: String, ranks: Int, size: Int)
    /// `consecutive` updates in a row had a NaN or infinite loss or gradient norm (each one
    /// skipped), reaching the limit set by `setting`; the last checkpoint holds finite weights.
    case nonFinite(step: Int, what: String, consecutive: Int, setting: String)
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
        case .nonFinite(let step, let what, let consecutive, let setting):
            "step \(step): not finite (NaN or Inf): \(what); \(consecutive) updates in a row skipped (limit \(setting) = \(consecutive)), stopping without writing these weights. Lower the learning rate or clip gradients, check the data and the models, then resume from the last checkpoint"
        case .noExamples(let detail):
            "no training examples: \(detail)"
        case .invalidSetting(let detail):
            detail
        case .cannotResume(let detail):
            "cannot resume: \(detail)"
        }
    }
}
