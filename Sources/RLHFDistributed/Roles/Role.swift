/// A job a rank does during RL training; a rank may do several.
public enum Role: String, Sendable, CaseIterable, Codable {
    /// Trains the policy and critic; learners are identical data-parallel replicas.
    case learner
    /// Samples rollouts from the current policy; the only role that generates.
    case actor
    /// Holds the frozen SFT policy and computes per-token log-probs of rollouts.
    case reference
    /// Holds the reward model and scores whole rollouts.
    case reward

    /// The plural noun, which is also the role's key under `layout` in a run's config.
    var plural: String { rawValue + "s" }

    /// The config key that sets how many instances of the role a run has, e.g. `layout.actors`.
    var configKey: String { "layout." + plural }

    /// `1 actor`, `2 actors`.
    func counted(_ count: Int) -> String { "\(count) " + (count == 1 ? rawValue : plural) }
}

/// How many instances of each role a run has: the `layout` section of its config.
public struct RoleCounts: Equatable, Sendable, Codable, CustomStringConvertible {
    public var learners: Int
    public var actors: Int
    public var references: Int
    public var rewards: Int

    public init(learners: Int, actors: Int, references: Int, rewards: Int) {
        self.learners = learners
        self.actors = actors
        self.references = references
        self.rewards = rewards
    }

    /// The number of instances of `role`.
    public func count(of role: Role) -> Int {
        switch role {
        case .learner: learners
        case .actor: actors
        case .reference: references
        case .reward: rewards
        }
    }

    /// The number of instances of all roles: the most ranks a layout can use.
    public var total: Int { learners + actors + references + rewards }

    /// `2 learners, 2 actors, 1 reference, 1 reward`.
    public var description: String {
        Role.allCases.map { $0.counted(count(of: $0)) }.joined(separator: ", ")
    }
}

/// One instance of a role, e.g. actor #1; instances of a role are numbered from 0.
public struct RoleInstance: Equatable, Hashable, Sendable, CustomStringConvertible {
    public var role: Role
    public var index: Int

    public init(role: Role, index: Int) {
        self.role = role
        self.index = index
    }

    /// `actor 1`.
    public var description: String { "\(role.rawValue) \(index)" }
}
