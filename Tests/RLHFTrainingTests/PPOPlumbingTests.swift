import Foundation
import RLHFCore
import RLHFData
import RLHFTraining
import Testing

@Suite("PPO settings")
struct PPOSettingsTests {
    static let required = ["model.policy=p", "data.prompts=x.jsonl", "reward.scorer=keyword:a"]

    func settings(_ overrides: [String]) throws -> PPOSettings {
        try PPOSettings(config: RunConfig.load(schema: StageSchemas.ppo, file: nil, overrides: Self.required + overrides))
    }

    @Test("defaults give a valid single-actor layout")
    func defaults() throws {
        let s = try settings([])
        #expect(s.layout.total == 4)
        #expect(s.rolloutsPerActor == 16)
        #expect(s.klController.target == nil)
    }

    @Test("settings that cannot work are refused naming the key",
          arguments: [
              ("rollout.batch_size=10", "layout.actors=4", "rollout.batch_size"),
              ("ppo.num_minibatches=3", "rollout.batch_size=16", "ppo.num_minibatches"),
              ("ppo.kl_estimator=k2", "layout.actors=1", "ppo.kl_estimator"),
              ("rollout.temperature=0", "layout.actors=1", "rollout.temperature"),
              ("ppo.ptx_coef=0.5", "layout.actors=1", "data.pretrain"),
              ("layout.learners=5", "rollout.batch_size=4", "layout.learners"),
          ])
    func refusals(first: String, second: String, key: String) throws {
        #expect {
            try settings([first, second])
        } throws: { error in
            "\(error)".contains(key)
        }
    }

    @Test("an adaptive controller is built from target_kl")
    func adaptive() throws {
        let s = try settings(["ppo.target_kl=6", "ppo.kl_coef=0.2", "ppo.kl_horizon=1000"])
        #expect(s.klController.target == 6)
        #expect(s.klController.coefficient == 0.2)
    }
}

@Suite("PPO response batches")
struct ResponseBatchTests {
    @Test("each response token is predicted at prompt length - 1 + t, and padding after a short response is never read")
    func positions() {
        // Sequences of 5 and 5 tokens, padded to 16 positions each.
        let batch = ResponseBatch(prompts: [[1, 5, 6], [1]], responses: [[7, 8], [9, 10, 11, 2]], padToken: 0, limit: 32)
        #expect(batch.batch.seqLen == 16)
        #expect(batch.batch.lengths == [5, 5])
        #expect(batch.firstPositions == [2, 16])
        #expect(Array(batch.targets[0..<6]) == [0, 0, 7, 8, 0, 0])
        #expect(Array(batch.targets[16..<21]) == [9, 10, 11, 2, 0])
        let values = (0..<32).map(Float.init)
        #expect(batch.responseValues(values) == [[2, 3], [16, 17, 18, 19]])
        let gradients = batch.positionGradients([[1, 2], [3, 4, 5, 6]])
        #expect(gradients.enumerated().filter { $0.element != 0 }.map(\.offset) == [2, 3, 16, 17, 18, 19])
    }
}
