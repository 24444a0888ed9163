import Foundation
import RLHFDistributed
import Testing

struct RoleLayoutTests {
    private let oneEach = RoleCounts(learners: 1, actors: 1, references: 1, rewards: 1)
    private let twoTwoOneOne = RoleCounts(learners: 2, actors: 2, references: 1, rewards: 1)

    /// `instances(onRank:)` of every rank, as text: `["learner 0, actor 0", ...]`.
    private func assignment(_ layout: RoleLayout) -> [String] {
        (0..<layout.worldSize).map { rank in
            layout.instances(onRank: rank).map(\.description).joined(separator: ", ")
        }
    }

    @Test func countsDescribeThemselvesWithPlurals() {
        #expect(twoTwoOneOne.description == "2 learners, 2 actors, 1 reference, 1 reward")
        #expect(twoTwoOneOne.total == 6)
        #expect(twoTwoOneOne.count(of: .actor) == 2)
        #expect(RoleInstance(role: .actor, index: 1).description == "actor 1")
    }

    @Test func oneOfEachOnOneRankRunsEverythingOnRankZero() throws {
        let layout = try RoleLayout(counts: oneEach, worldSize: 1)
        #expect(assignment(layout) == ["learner 0, actor 0, reference 0, reward 0"])
        for role in Role.allCases {
            #expect(layout.ranks(of: role) == [0])
        }
        #expect(layout.table == "rank 0: learner 0, actor 0, reference 0, reward 0")
    }

    @Test func oneOfEachOnTwoRanksSharesRoundRobin() throws {
        let layout = try RoleLayout(counts: oneEach, worldSize: 2)
        #expect(assignment(layout) == ["learner 0, reference 0", "actor 0, reward 0"])
        #expect(layout.ranks(of: .reward) == [1])
    }

    @Test func oneOfEachOnThreeRanks() throws {
        let layout = try RoleLayout(counts: oneEach, worldSize: 3)
        #expect(assignment(layout) == ["learner 0, reward 0", "actor 0", "reference 0"])
        #expect(layout.table == "rank 0: learner 0, reward 0\nrank 1: actor 0\nrank 2: reference 0")
    }

    @Test func oneOfEachOnFourRanksGivesEachRoleARank() throws {
        let layout = try RoleLayout(counts: oneEach, worldSize: 4)
        #expect(assignment(layout) == ["learner 0", "actor 0", "reference 0", "reward 0"])
        #expect(Role.allCases.map { layout.ranks(of: $0) } == [[0], [1], [2], [3]])
    }

    @Test func twoTwoOneOneOnSixRanksGivesEachInstanceARank() throws {
        let layout = try RoleLayout(counts: twoTwoOneOne, worldSize: 6)
        #expect(layout.ranks(of: .learner) == [0, 1])
        #expect(layout.ranks(of: .actor) == [2, 3])
        #expect(layout.ranks(of: .reference) == [4])
        #expect(layout.ranks(of: .reward) == [5])
        #expect(layout.rank(of: RoleInstance(role: .actor, index: 1)) == 3)
        #expect(layout.instances(onRank: 4) == [RoleInstance(role: .reference, index: 0)])
    }

    @Test func twoTwoOneOneOnTwoRanksKeepsLearnersApart() throws {
        let layout = try RoleLayout(counts: twoTwoOneOne, worldSize: 2)
        #expect(
            assignment(layout)
                == ["learner 0, actor 0, reference 0", "learner 1, actor 1, reward 0"])
    }

    @Test func twoTwoOneOneOnFourRanks() throws {
        let layout = try RoleLayout(counts: twoTwoOneOne, worldSize: 4)
        #expect(
            assignment(layout)
                == ["learner 0, reference 0", "learner 1, reward 0", "actor 0", "actor 1"])
        #expect(layout.counts == twoTwoOneOne)
        #expect(layout.worldSize == 4)
    }

    @Test(arguments: 1...6)
    func everyInstanceRunsOnExactlyOneRankAndLearnerZeroOnRankZero(worldSize: Int) throws {
        let counts = RoleCounts(learners: 1, actors: 3, references: 1, rewards: 1)
        let layout = try RoleLayout(counts: counts, worldSize: worldSize)
        #expect(layout.rank(of: RoleInstance(role: .learner, index: 0)) == 0)
        var placed: [RoleInstance: Int] = [:]
        for rank in 0..<worldSize {
            let instances = layout.instances(onRank: rank)
            #expect(!instances.isEmpty, "rank \(rank) has nothing to do")
            for instance in instances {
                #expect(placed.updateValue(rank, forKey: instance) == nil)
                #expect(layout.rank(of: instance) == rank)
            }
        }
        #expect(placed.count == counts.total)
    }

    @Test func refusesMoreRanksThanInstances() {
        let error = #expect(throws: LayoutError.self) {
            try RoleLayout(counts: twoTwoOneOne, worldSize: 8)
        }
        #expect(error == .tooManyRanks(counts: twoTwoOneOne, worldSize: 8))
        #expect(
            error?.description
                == "the layout (2 learners, 2 actors, 1 reference, 1 reward) uses 6 ranks, but "
                + "mpirun started 8; start it with -np 6, or between 2 and 6 ranks to let roles "
                + "share ranks, or raise layout.actors to 4 to give the extra ranks rollouts to "
                + "generate")
    }

    @Test func refusesFewerRanksThanLearners() {
        let error = #expect(throws: LayoutError.self) {
            try RoleLayout(counts: twoTwoOneOne, worldSize: 1)
        }
        #expect(error == .tooFewRanks(counts: twoTwoOneOne, worldSize: 1))
        #expect(
            error?.description
                == "the layout (2 learners, 2 actors, 1 reference, 1 reward) needs at least 2 "
                + "ranks, one per learner, because learners are data-parallel replicas, but "
                + "mpirun started 1; start it with between 2 and 6 ranks, or lower "
                + "layout.learners to 1")
    }

    @Test func refusesAnEmptyWorld() {
        #expect(throws: LayoutError.tooFewRanks(counts: oneEach, worldSize: 0)) {
            try RoleLayout(counts: oneEach, worldSize: 0)
        }
    }

    @Test(arguments: Role.allCases)
    func refusesARoleWithoutInstancesNamingItsConfigKey(role: Role) {
        var counts = oneEach
        switch role {
        case .learner: counts.learners = 0
        case .actor: counts.actors = 0
        case .reference: counts.references = -1
        case .reward: counts.rewards = 0
        }
        let error = #expect(throws: LayoutError.self) {
            try RoleLayout(counts: counts, worldSize: 1)
        }
        #expect(error == .roleMissing(role: role, count: counts.count(of: role)))
        let key = "layout.\(role.rawValue)s"
        #expect(
            error?.description
                == "\(key) is \(counts.count(of: role)), but a run needs at least 1 "
                + "\(role.rawValue); set \(key) to 1 or more (roles share ranks when there are "
                + "fewer ranks than role instances, so this needs no extra rank)")
    }
}
