import Foundation
import RLHFCore
import RLHFData
import RLHFDistributed

/// Everything of a PPO run besides the weights and optimiser moments: where it is, the KL
/// controller, the data positions and every actor's sampling generator. Written as
/// `ppo_state.json` in each checkpoint.
struct PPOState: Codable, Equatable {
    var iteration: Int
    var klController: KLController
    var promptCursor: EpochCursor
    var ptxCursor: EpochCursor
    /// Each actor's generator state, as hex strings (JSON numbers lose bits above 2^53).
    var actorGenerators: [[String]]
    var layout: RoleCounts
    var worldSize: Int

    static let fileName = "ppo_state.json"

    static func generatorState(_ generator: RandomGenerator) -> [String] {
        generator.state.map { String($0, radix: 16) }
    }

    static func generator(from hex: [String]) throws -> RandomGenerator {
        let words = hex.compactMap { UInt64($0, radix: 16) }
        guard words.count == hex.count, words.count == 4 else {
            throw TrainingError.cannotResume("\(fileName) holds a malformed generator state \(hex)")
        }
        return RandomGenerator(state: words)
    }
}
