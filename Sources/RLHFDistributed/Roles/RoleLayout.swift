/// Which ranks do which roles: a fixed assignment that every rank computes on its own from the
/// run's config and the world size, so that no rank needs to be told.
///
/// Instances are listed in a fixed order (all learners, then actors, then references, then
/// rewards) and instance `i` of that list runs on rank `i % worldSize`. With as many ranks as
/// instances each rank has one role; with fewer, roles share ranks round-robin; with one rank,
/// everything runs on rank 0. Learner 0 is always rank 0, and learners never share a rank with
/// each other, since they are data-parallel replicas.
public struct RoleLayout: Equatable, Sendable {
    /// How many instances of each role the run has.
    public let counts: RoleCounts
    /// The number of ranks the instances are spread over.
    public let worldSize: Int

    /// A layout of `counts` over `worldSize` ranks, if it fits: every role has at least one
    /// instance, and the world has no fewer ranks than learners and no more than instances.
    public init(counts: RoleCounts, worldSize: Int) throws(LayoutError) {
        for role in Role.allCases where counts.count(of: role) < 1 {
            throw .roleMissing(role: role, count: counts.count(of: role))
        }
        guard worldSize >= counts.learners else {
            throw .tooFewRanks(counts: counts, worldSize: worldSize)
        }
        guard worldSize <= counts.total else {
            throw .tooManyRanks(counts: counts, worldSize: worldSize)
        }
        self.counts = counts
        self.worldSize = worldSize
    }

    /// The rank that runs `instance`; its index must be below the role's count.
    public func rank(of instance: RoleInstance) -> Int {
        precondition(
            (0..<counts.count(of: instance.role)).contains(instance.index),
            "\(instance) is not in the layout (\(counts))")
        return (firstPosition(of: instance.role) + instance.index) % worldSize
    }

    /// The ranks that run the instances of `role`, in index order (a rank may repeat).
    public func ranks(of role: Role) -> [Int] {
        (0..<counts.count(of: role)).map { rank(of: RoleInstance(role: role, index: $0)) }
    }

    /// The instances that `rank` runs, in the order learner, actor, reference, reward.
    public func instances(onRank rank: Int) -> [RoleInstance] {
        precondition((0..<worldSize).contains(rank), "rank \(rank) is outside 0..<\(worldSize)")
        return stride(from: rank, to: counts.total, by: worldSize).map(instance(atPosition:))
    }

    /// The instances that `rank` runs, named for logs, e.g. `learner 0, reward 0`.
    public func roleNames(onRank rank: Int) -> String {
        instances(onRank: rank).map(\.description).joined(separator: ", ")
    }

    /// One line per rank, e.g. `rank 0: learner 0, reward 0`, for logs.
    public var table: String {
        (0..<worldSize).map { "rank \($0): " + roleNames(onRank: $0) }.joined(separator: "\n")
    }

    /// The position of `role`'s first instance in the list of all instances.
    private func firstPosition(of role: Role) -> Int {
        Role.allCases.prefix { $0 != role }.reduce(0) { $0 + counts.count(of: $1) }
    }

    private func instance(atPosition position: Int) -> RoleInstance {
        var index = position
        for role in Role.allCases {
            let count = counts.count(of: role)
            if index < count { return RoleInstance(role: role, index: index) }
            index -= count
        }
        preconditionFailure("position \(position) is beyond the \(counts.total) instances")
    }
}
