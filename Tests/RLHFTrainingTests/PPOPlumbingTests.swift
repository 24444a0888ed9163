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
