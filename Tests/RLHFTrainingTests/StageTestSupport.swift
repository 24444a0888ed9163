import Foundation
import RLHFCore
import RLHFDistributed
import RLHFTraining

/// Small models, data and groups shared by the stage tests.
enum StageFixtures {
    static let config = ModelConfig(dim: 16, nLayers: 2, nHeads: 4, nKVHeads: 2, hiddenDim: 32, vocabSize: 24,
                                    maxSeqLen: 32, tieEmbeddings: false)

    static func model(head: ModelHead = .languageModel, seed: UInt64 = 5) throws -> LlamaModel {
        try LlamaModel.initialized(config: config, head: head, seed: seed, std: 0.2)
    }

    /// The whole world (one rank under `swift test`) as a data-parallel group.
    static func group() throws -> DataParallelGroup {
        try MPIRuntime.initialize()
        return DataParallelGroup(communicator: .world)
    }

    /// Sequences of a learnable pattern: each row counts up from a random start modulo the
    /// vocabulary, with the loss on the second half (a prompt/response split).
    static func countingSequences(_ count: Int, seed: UInt64) -> [TrainingSequence] {
        var rng = RandomGenerator(seed: seed)
        return (0..<count).map { _ in
            let length = 8 + Int(rng.next() % 9)
            let start = Int(rng.next() % UInt64(config.vocabSize))
            let tokens = (0..<length).map { Int32((start + $0) % config.vocabSize) }
            return TrainingSequence(tokens: tokens, lossMask: (0..<length).map { $0 >= length / 2 })
        }
    }

    /// Pairs where the chosen response ends in a high token and the rejected one in a low token.
    static func preferencePairs(_ count: Int, seed: UInt64) -> [TokenizedPair] {
        var rng = RandomGenerator(seed: seed)
        return (0..<count).map { _ in
            let prompt = (0..<(3 + Int(rng.next() % 4))).map { _ in Int32(rng.next() % 12) }
            let chosen = prompt + [Int32(12 + rng.next() % 12)]
            let rejected = prompt + [Int32(rng.next() % 12), Int32(rng.next() % 12)]
            return TokenizedPair(chosen: chosen, rejected: rejected)
        }
    }

    /// A fresh empty directory under the temporary directory.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rlhf-stage-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The repository's root directory.
    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }
}
