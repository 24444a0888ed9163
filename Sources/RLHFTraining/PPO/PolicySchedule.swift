/// When learner 0 broadcasts the policy within an iteration, and so which weights each batch is
/// sampled with. Versions count updates: the learners hold version k while training in
/// iteration k (0-based).
///
/// Lockstep (`ppo.overlap: false`): the broadcast closes iteration k, after the update, so batch
/// k+1 is sampled with version k+1, the weights it is trained from (staleness 0).
/// Overlap: the broadcast of iteration k comes once the actors have delivered batch k, before the
/// learners train on it; the actors then sample batch k+1 with version k while the learners
/// train batch k into version k+1 (staleness 1). The first iteration of a run, or of a resume,
/// needs no broadcast (every rank starts from learner 0's weights), so its batch is fresh.
public struct PolicySchedule: Equatable, Sendable {
    /// Whether sampling overlaps training (`ppo.overlap`).
    public let overlap: Bool
    /// The first iteration this process runs: 0, or the checkpoint's when resuming.
    public let firstIteration: Int

    public init(overlap: Bool, firstIteration: Int) {
        self.overlap = overlap
        self.firstIteration = firstIteration
    }

    /// Whether every rank starts each iteration together (lockstep), rather than the actors going
    /// on to the next batch as soon as they hold the weights to sample it with (overlap).
    public var holdsRanksTogether: Bool { !overlap }

    /// The version broadcast in iteration `k` before the learners train, if any.
    public func broadcastBeforeTraining(iteration k: Int) -> Int? {
        overlap && k > firstIteration ? k : nil
    }

    /// The version broadcast in iteration `k` after the learners train, if any.
    public func broadcastAfterTraining(iteration k: Int) -> Int? {
        overlap ? nil : k + 1
    }

    /// How many updates the weights that sampled batch `k` are behind those it is trained from.
    public func staleness(iteration k: Int) -> Int {
        overlap && k > firstIteration ? 1 : 0
    }

    /// Throws unless every version in `versions` is the one batch `k` must be sampled with.
    public func check(versions: [Int], iteration k: Int) throws(PPOError) {
        let expected = k - staleness(iteration: k)
        if let stray = versions.first(where: { $0 != expected }) {
            throw .offSchedule(iteration: k, version: stray, expected: expected, overlap: overlap)
        }
    }
}
