import Foundation
import RLHFCore
import RLHFDistributed

/// The actor instances on this rank: each samples responses for its shard of every iteration's
/// prompts with the current policy, has them scored by its reference and reward ranks, and
/// ships complete experience to the learners. The instances share one policy copy.
final class ActorRole {
    let indices: [Int]
    let policy: LlamaModel
    let settings: PPOSettings
    let eosToken: Int32?
    /// Each actor's sampling generator state, saved in checkpoints so a resume samples the same.
    var generators: [Int: RandomGenerator]
    /// The policy version (updates applied) the actors sample with.
    var weightVersion = 0
    private var rollouts: [Int: (prompts: [[Int32]], sequences: [GeneratedSequence])] = [:]

    init(indices: [Int], policy: LlamaModel, settings: PPOSettings, eosToken: Int32?) {
        self.indices = indices
        self.policy = policy
        self.settings = settings
        self.eosToken = eosToken
        generators = Dictionary(uniqueKeysWithValues: indices.map {
            ($0, RandomGenerator(seed: settings.seed &* 1_000_003 &+ UInt64($0) &+ 17))
        })
    }

    /// Phase 1: sample every actor's shard of `prompts` (the iteration's global batch) and send
    /// the rollouts to the reference and reward ranks. Returns the tokens generated.
    func generate(iteration: Int, prompts: [[Int32]], layout: RoleCounts, mailbox: Mailbox) throws -> Int {
        let generator = Generator(model: policy, sampling: settings.sampling, maxNewTokens: settings.maxNewTokens,
                                  eosToken: eosToken)
        var tokens = 0
        for actor in indices {
            let shard = Array(prompts[(actor * settings.rolloutsPerActor)..<((actor + 1) * settings.rolloutsPerActor)])
            guard var rng = generators[actor] else { continue }
            let sequences = try generator.generate(prompts: shard, rng: &rng)
            generators[actor] = rng
            rollouts[actor] = (shard, sequences)
            tokens += sequences.reduce(0) { $0 + $1.tokens.count }
            let request = ScoringRequest(iteration: iteration, sequences: sequences.map { $0.prompt + $0.tokens },
                                         promptLengths: sequences.map(\.prompt.count))
            try mailbox.send(request, to: RoleInstance(role: .reference, index: actor % layout.references),
                             tag: .referenceRequest, actor: actor)
            try mailbox.send(request, to: RoleInstance(role: .reward, index: actor % layout.rewards),
                             tag: .rewardRequest, actor: actor)
        }
        return tokens
    }

    /// Phase 4: collect each actor's reference log-probs and scores, and send every learner its
    /// share of the experience (consecutive slices, in actor order).
    func deliver(iteration: Int, layout: RoleCounts, mailbox: Mailbox) throws {
        for actor in indices {
            guard let (_, sequences) = rollouts[actor] else { continue }
            let reference = try mailbox.receive(LogProbsReply.self, from: RoleInstance(role: .reference, index: actor % layout.references),
                                                tag: .referenceReply, actor: actor)
            let scores = try mailbox.receive(ScoresReply.self, from: RoleInstance(role: .reward, index: actor % layout.rewards),
                                             tag: .rewardReply, actor: actor)
            guard reference.logProbs.count == sequences.count, scores.scores.count == sequences.count else {
                throw PPOError.incompatible("actor \(actor): \(reference.logProbs.count) reference results and \(scores.scores.count) scores for \(sequences.count) rollouts")
            }
            let experiences = sequences.indices.map { i in
                Experience(prompt: sequences[i].prompt, response: sequences[i].tokens, behaviourLogProbs: sequences[i].logProbs,
                           referenceLogProbs: reference.logProbs[i], score: scores.scores[i],
                           endedWithEOS: sequences[i].endedWithEOS, weightVersion: weightVersion)
            }
            for learner in 0..<layout.learners {
                let share = LearnerShare(rollouts: experiences.count, learners: layout.learners, learner: learner)
                try mailbox.send(ExperienceBatch(iteration: iteration, actor: actor, experiences: Array(experiences[share.range])),
                                 to: RoleInstance(role: .learner, index: learner), tag: .experience, actor: actor)
            }
            rollouts[actor] = nil
        }
    }
}

/// Which of an actor's rollouts a learner trains on: consecutive, nearly equal slices.
struct LearnerShare {
    let range: Range<Int>

    init(rollouts: Int, learners: Int, learner: Int) {
        range = (learner * rollouts / learners)..<((learner + 1) * rollouts / learners)
    }
}
