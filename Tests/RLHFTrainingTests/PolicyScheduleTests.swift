import RLHFTraining
import Testing

@Suite("PPO policy schedule")
struct PolicyScheduleTests {
    @Test("lockstep broadcasts after every update, so every batch is sampled with the weights it trains")
    func lockstep() throws {
        let schedule = PolicySchedule(overlap: false, firstIteration: 0)
        #expect((0..<4).map { schedule.broadcastBeforeTraining(iteration: $0) } == [nil, nil, nil, nil])
        #expect((0..<4).map { schedule.broadcastAfterTraining(iteration: $0) } == [1, 2, 3, 4])
        #expect((0..<4).map { schedule.staleness(iteration: $0) } == [0, 0, 0, 0])
        #expect(schedule.holdsRanksTogether)
        try schedule.check(versions: [3, 3], iteration: 3)
    }

    @Test("overlap broadcasts version k before training batch k, from the second iteration on: staleness 1")
    func overlap() throws {
        let schedule = PolicySchedule(overlap: true, firstIteration: 0)
        #expect((0..<4).map { schedule.broadcastBeforeTraining(iteration: $0) } == [nil, 1, 2, 3])
        #expect((0..<4).map { schedule.broadcastAfterTraining(iteration: $0) } == [nil, nil, nil, nil])
        #expect((0..<4).map { schedule.staleness(iteration: $0) } == [0, 1, 1, 1])
        #expect(!schedule.holdsRanksTogether)
        // Batch 0 is sampled with the starting weights; batch k > 0 with those broadcast in k - 1.
        try schedule.check(versions: [0], iteration: 0)
        try schedule.check(versions: [1, 1], iteration: 2)
    }

    @Test("a resumed overlapped run refills the pipeline: its first batch is fresh")
    func resumed() {
        let schedule = PolicySchedule(overlap: true, firstIteration: 5)
        #expect((5..<8).map { schedule.staleness(iteration: $0) } == [0, 1, 1])
        #expect(schedule.broadcastBeforeTraining(iteration: 5) == nil)
        #expect(schedule.broadcastBeforeTraining(iteration: 6) == 6)
    }

    @Test("rollouts of another version than the schedule's are refused, naming both",
          arguments: [(false, 2, [2, 1]), (true, 2, [2]), (true, 0, [1])])
    func offSchedule(overlap: Bool, iteration: Int, versions: [Int]) {
        let schedule = PolicySchedule(overlap: overlap, firstIteration: 0)
        #expect {
            try schedule.check(versions: versions, iteration: iteration)
        } throws: { error in
            let text = "\(error)"
            return text.contains("iteration \(iteration + 1)") && text.contains("ppo.overlap = \(overlap)")
        }
    }
}
