/// A role layout that cannot run on the ranks `mpirun` started, with a message that says how to
/// fix the config or the launch.
public enum LayoutError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A role has fewer than one instance; every role is needed for RL training.
    case roleMissing(role: Role, count: Int)
    /// Fewer ranks than learners: learners are data-parallel replicas and need a rank each.
    case tooFewRanks(counts: RoleCounts, worldSize: Int)
    /// More ranks than role instances, which would leave ranks with nothing to do.
    case tooManyRanks(counts: RoleCounts, worldSize: Int)

    public var description: String {
        switch self {
        case .roleMissing(let role, let count):
            "\(role.configKey) is \(count), but a run needs at least 1 \(role.rawValue); set "
                + "\(role.configKey) to 1 or more (roles share ranks when there are fewer ranks "
                + "than role instances, so this needs no extra rank)"
        case .tooFewRanks(let counts, let worldSize):
            "the layout (\(counts)) needs at least \(ranks(counts.learners)), one per learner, "
                + "because learners are data-parallel replicas, but mpirun started \(worldSize); "
                + "start it with between \(counts.learners) and \(counts.total) ranks, or lower "
                + "\(Role.learner.configKey) to \(max(worldSize, 1))"
        case .tooManyRanks(let counts, let worldSize):
            "the layout (\(counts)) uses \(ranks(counts.total)), but mpirun started \(worldSize); "
                + "start it with -np \(counts.total), or between \(counts.learners) and "
                + "\(counts.total) ranks to let roles share ranks, or raise "
                + "\(Role.actor.configKey) to \(counts.actors + worldSize - counts.total) to give "
                + "the extra ranks rollouts to generate"
        }
    }

    private func ranks(_ count: Int) -> String { count == 1 ? "1 rank" : "\(count) ranks" }
}
