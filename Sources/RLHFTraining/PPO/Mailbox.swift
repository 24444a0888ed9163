import Foundation
import RLHFDistributed

/// Point-to-point traffic between roles: non-blocking sends (so a rank holding several roles
/// can send to itself), typed receives under the watchdog, and one place that waits for all
/// sends before the next iteration.
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

    /// Learner 0 tells the actor ranks that the policy is about to be broadcast.
    func announcePolicy() throws {
        for rank in Set(layout.ranks(of: .actor)) where rank != world.rank {
            pending.append(try world.startSend([], to: rank, tag: MessageTag.policyReady.value(actor: 0)))
        }
    }

    /// Waits, sleeping, for learner 0's `announcePolicy()`, so that the broadcast that follows
    /// does not spin in MPI for the whole training phase.
    func awaitPolicy() throws {
        let source = layout.rank(of: RoleInstance(role: .learner, index: 0))
        try watchdog.waiting(for: "the policy from learner 0 (rank \(source))") { () throws(MPIError) in
            try sleepUntilArrival(from: source, tag: MessageTag.policyReady.value(actor: 0))
            _ = try world.receive(from: source, tag: MessageTag.policyReady.value(actor: 0))
        }
    }

    /// Returns once every rank has called it, waiting asleep: every rank tells rank 0, which
    /// answers them all. Ranks whose roles finish early would otherwise spin in the iteration's
    /// closing collectives for the rest of the learners' training.
    func barrier() throws {
        let tag = MessageTag.iterationDone.value(actor: 0)
        func notice(from source: Int) throws {
            try watchdog.waiting(for: "the end of the iteration on rank \(source)") { () throws(MPIError) in
                try sleepUntilArrival(from: source, tag: tag)
                _ = try world.receive(from: source, tag: tag)
            }
        }
        if world.rank == 0 {
            for rank in 1..<world.size { try notice(from: rank) }
            for rank in 1..<world.size { pending.append(try world.startSend([], to: rank, tag: tag)) }
        } else {
            pending.append(try world.startSend([], to: 0, tag: tag))
            try notice(from: 0)
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

    /// Waits until every message sent so far has left this process.
    func flush() throws {
        for request in pending { try request.wait() }
        pending.removeAll()
    }
}

/// The message kinds between roles; the tag also carries the actor index, so that replies to
/// several actors on one rank never mix.
enum MessageTag: Int, CustomStringConvertible {
    case referenceRequest = 1, referenceReply, rewardRequest, rewardReply, experience, policyReady, iterationDone

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
        case .iterationDone: "end of iteration"
        }
    }
}
