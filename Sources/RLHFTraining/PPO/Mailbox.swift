import Foundation
import RLHFDistributed

/// Point-to-point traffic between roles: non-blocking sends (so a rank holding several roles
/// can send to itself), typed receives under the watchdog, the handshake before the policy
/// broadcast, every rank's report to rank 0, and one place that waits for all sends.
final class Mailbox {
    let world: Communicator
    let layout: RoleLayout
    let watchdog: Watchdog
    private var pending: [Communicator.SendRequest] = []

    init(world: Communicator, layout: RoleLayout, watchdog: Watchdog) {
        self.world = world
        self.layout = layout
        self.watchdog = watchdog
    }

    func send(_ message: some WireMessage, to instance: RoleInstance, tag: MessageTag, actor: Int) throws {
        pending.append(try world.startSend(message.encoded(), to: layout.rank(of: instance), tag: tag.value(actor: actor)))
    }

    /// The message `tag` about `actor` from `instance`, decoded; waits under the watchdog.
    func receive<Message: WireMessage>(_ type: Message.Type, from instance: RoleInstance, tag: MessageTag,
                                       actor: Int) throws -> Message {
        let source = layout.rank(of: instance)
        let what = "\(tag.description) for actor \(actor) from \(instance.role.rawValue) \(instance.index) (rank \(source))"
        let bytes = try watchdog.waiting(for: what) { () throws(MPIError) in
            try sleepUntilArrival(from: source, tag: tag.value(actor: actor))
            return try world.receive(from: source, tag: tag.value(actor: actor)).bytes
        }
        do {
            return try Message(decoding: bytes)
        } catch {
            throw PPOError.badMessage(what: what, error: error)
        }
    }

    /// Learner 0 (rank 0), once every actor rank has asked for the policy, tells them that it is
    /// about to be broadcast. Both sides wait asleep for the other, so that neither spins in the
    /// broadcast while the other computes (with overlap, either side may arrive first).
    func announcePolicy() throws {
        let actorRanks = Set(layout.ranks(of: .actor)).subtracting([world.rank])
        for rank in actorRanks.sorted() {
            try watchdog.waiting(for: "actor rank \(rank) to ask for the policy") { () throws(MPIError) in
                try sleepUntilArrival(from: rank, tag: MessageTag.policyWanted.value(actor: 0))
                _ = try world.receive(from: rank, tag: MessageTag.policyWanted.value(actor: 0))
            }
        }
        for rank in actorRanks {
            pending.append(try world.startSend([], to: rank, tag: MessageTag.policyReady.value(actor: 0)))
        }
    }

    /// An actor rank asks learner 0 for the policy and waits, sleeping, for its `announcePolicy()`.
    func awaitPolicy() throws {
        let source = layout.rank(of: RoleInstance(role: .learner, index: 0))
        pending.append(try world.startSend([], to: source, tag: MessageTag.policyWanted.value(actor: 0)))
        try watchdog.waiting(for: "the policy from learner 0 (rank \(source))") { () throws(MPIError) in
            try sleepUntilArrival(from: source, tag: MessageTag.policyReady.value(actor: 0))
            _ = try world.receive(from: source, tag: MessageTag.policyReady.value(actor: 0))
        }
    }

    /// Sends this rank's report of an iteration to rank 0 (which keeps its own).
    func report(_ report: StepReport) throws {
        pending.append(try world.startSend(report.encoded(), to: 0, tag: MessageTag.stepReport.value(actor: 0)))
    }

    /// On rank 0: every other rank's report of `iteration`, in rank order, waiting asleep. Ranks
    /// send theirs when they finish the iteration.
    func reports(iteration: Int) throws -> [StepReport] {
        let tag = MessageTag.stepReport.value(actor: 0)
        return try (1..<world.size).map { rank in
            let what = "the report of iteration \(iteration + 1) from rank \(rank) (\(layout.roleNames(onRank: rank)))"
            let bytes = try watchdog.waiting(for: what) { () throws(MPIError) in
                try sleepUntilArrival(from: rank, tag: tag)
                return try world.receive(from: rank, tag: tag).bytes
            }
            let report: StepReport
            do { report = try StepReport(decoding: bytes) } catch { throw PPOError.badMessage(what: what, error: error) }
            guard report.iteration == iteration else {
                throw PPOError.incompatible("rank \(rank) reported iteration \(report.iteration + 1) where rank 0 is at \(iteration + 1): the ranks are out of step")
            }
            return report
        }
    }

    /// Returns once a matching message has arrived. MPI's blocking probe spins at full speed, which
    /// takes a core from the ranks that compute whenever ranks share cores (2-rank iterations
    /// measured 2.2x slower than one process); polling with growing sleeps (20 us to 1 ms) leaves
    /// the cores to them.
    private func sleepUntilArrival(from source: Int, tag: Int) throws(MPIError) {
        var pause: UInt32 = 20
        while try !world.hasMessage(from: source, tag: tag) {
            usleep(pause)
            pause = min(pause * 2, 1000)
        }
    }

    /// Lockstep's end of an iteration: rank 0, holding every rank's report, lets them all start
    /// the next iteration together; every other rank waits for it asleep (in MPI's barrier it
    /// would spin, taking a core from the learners while they train).
    func releaseRanks() throws {
        let tag = MessageTag.iterationDone.value(actor: 0)
        if world.rank == 0 {
            for rank in 1..<world.size { pending.append(try world.startSend([], to: rank, tag: tag)) }
        } else {
            try watchdog.waiting(for: "the end of the iteration on rank 0") { () throws(MPIError) in
                try sleepUntilArrival(from: 0, tag: tag)
                _ = try world.receive(from: 0, tag: tag)
            }
        }
    }

    /// Waits until every message sent so far has left this process.
    func flush() throws {
        for request in pending { try request.wait() }
        pending.removeAll()
    }
}

/// The message kinds between roles; the tag also carries the actor index, so that replies to
/// several actors on one rank never mix.
enum MessageTag: Int, CustomStringConvertible {
    case referenceRequest = 1, referenceReply, rewardRequest, rewardReply, experience, policyReady, policyWanted, stepReport, iterationDone

    /// Actors per job stay below this, so tags stay within MPI's guaranteed 32767.
    static let maxActors = 1000

    func value(actor: Int) -> Int { rawValue * Self.maxActors + actor }

    var description: String {
        switch self {
        case .referenceRequest: "rollouts to score (reference)"
        case .referenceReply: "reference log-probs"
        case .rewardRequest: "rollouts to score (reward)"
        case .rewardReply: "reward scores"
        case .experience: "experience"
        case .policyReady: "policy ready"
        case .policyWanted: "policy wanted"
        case .stepReport: "step report"
        case .iterationDone: "end of iteration"
        }
    }
}
