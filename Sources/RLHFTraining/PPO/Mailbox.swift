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
            try world.receive(from: source, tag: tag.value(actor: actor)).bytes
        }
        do {
            return try Message(decoding: bytes)
        } catch {
            throw PPOError.badMessage(what: what, error: error)
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
    case referenceRequest = 1, referenceReply, rewardRequest, rewardReply, experience

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
        }
    }
}
