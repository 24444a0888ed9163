import Foundation
import RLHFCore
import RLHFDistributed

/// The reference instances on this rank: the frozen SFT policy's per-token log-probs of every
/// rollout of the actors they serve (actor a is served by reference a mod R), at the sampling
/// temperature, as the KL penalty needs.
final class ReferenceRole {
    let indices: [Int]
    let model: LlamaModel
    let temperature: Float
    let padToken: Int32

    init(indices: [Int], model: LlamaModel, temperature: Float, padToken: Int32) {
        self.indices = indices
        self.model = model
        self.temperature = temperature
        self.padToken = padToken
    }

    /// Phase 2: answers every served actor's request of this iteration.
    func serve(layout: RoleCounts, mailbox: Mailbox) throws {
        for index in indices {
            for actor in stride(from: index, to: layout.actors, by: layout.references) {
                let request = try mailbox.receive(ScoringRequest.self, from: RoleInstance(role: .actor, index: actor),
                                                  tag: .referenceRequest, actor: actor)
                let (prompts, responses) = try request.split()
                let (logProbs, _, _) = try ResponseBatch.logProbs(model, prompts: prompts, responses: responses,
                                                                  temperature: temperature, padToken: padToken)
                try mailbox.send(LogProbsReply(iteration: request.iteration, logProbs: logProbs),
                                 to: RoleInstance(role: .actor, index: actor), tag: .referenceReply, actor: actor)
            }
        }
    }
}

/// The reward instances on this rank: one score per rollout of the actors they serve (actor a
/// is served by reward a mod W).
final class RewardRole {
    let indices: [Int]
    let scorer: any Scorer

    init(indices: [Int], scorer: any Scorer) {
        self.indices = indices
        self.scorer = scorer
    }

    /// Phase 3: answers every served actor's request of this iteration.
    func serve(layout: RoleCounts, mailbox: Mailbox) throws {
        for index in indices {
            for actor in stride(from: index, to: layout.actors, by: layout.rewards) {
                let request = try mailbox.receive(ScoringRequest.self, from: RoleInstance(role: .actor, index: actor),
                                                  tag: .rewardRequest, actor: actor)
                let (prompts, responses) = try request.split()
                let scores = try scorer.scores(prompts: prompts, responses: responses)
                try mailbox.send(ScoresReply(iteration: request.iteration, scores: scores),
                                 to: RoleInstance(role: .actor, index: actor), tag: .rewardReply, actor: actor)
            }
        }
    }
}

extension ScoringRequest {
    /// The prompts and responses, split at each sequence's prompt length (at least 1: BOS).
    func split() throws -> (prompts: [[Int32]], responses: [[Int32]]) {
        var prompts: [[Int32]] = [], responses: [[Int32]] = []
        for (sequence, length) in zip(sequences, promptLengths) {
            guard length >= 1, length <= sequence.count else {
                throw PPOError.incompatible("a scoring request has a prompt of \(length) tokens in a sequence of \(sequence.count)")
            }
            prompts.append(Array(sequence.prefix(length)))
            responses.append(Array(sequence.dropFirst(length)))
        }
        return (prompts, responses)
    }
}
