import Foundation
import RLHFCore
import RLHFTraining
import Testing

@Suite("Stage trainer", .serialized)
struct StageTrainerTests {
    static let settings = OptimizationSettings(steps: 6, batchSize: 4, learningRate: 3e-3, warmupSteps: 2,
                                               weightDecay: 0.01, seed: 3, evalEvery: 3, logEvery: 100,
                                               checkpointEvery: 2, keepCheckpoints: 2)

    func trainer(in directory: URL, settings: OptimizationSettings = settings) throws -> StageTrainer<LanguageModelingObjective> {
        let objective = LanguageModelingObjective(train: StageFixtures.countingSequences(10, seed: 1),
                                                  eval: StageFixtures.countingSequences(4, seed: 2),
                                                  padToken: 0, microBatchSize: 0)
        return try StageTrainer(stage: "test", model: StageFixtures.model(), objective: objective, settings: settings,
                                group: StageFixtures.group(), runDirectory: directory)
    }

    @Test("training lowers the held-out loss on a learnable task")
    func learns() throws {
        setBLASThreads(1)
        let directory = try StageFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var settings = Self.settings
        settings.steps = 60
        settings.learningRate = 1e-2
        settings.evalEvery = 0
        let trainer = try trainer(in: directory, settings: settings)
        let before = try trainer.objective.evaluate(trainer.model, group: trainer.group)["eval/loss"] ?? .nan
        let after = try trainer.run(resume: false)["eval/loss"] ?? .nan
        #expect(after < 0.6 * before, "eval loss \(before) -> \(after)")
    }

    @Test("a run stopped and resumed ends bit-identical to an uninterrupted one, with one metrics line per step")
    func resumeIsExact() throws {
        setBLASThreads(1)
        let straight = try StageFixtures.temporaryDirectory(), resumed = try StageFixtures.temporaryDirectory()
        defer {
            try? FileManager.default.removeItem(at: straight)
            try? FileManager.default.removeItem(at: resumed)
        }
        let reference = try trainer(in: straight)
        try reference.run(resume: false)

        let first = try trainer(in: resumed)
        try first.run(resume: false, stopAfter: 3)
        #expect(!first.isFinished && first.completedSteps == 3)
        let second = try trainer(in: resumed)
        try second.run(resume: true)
        #expect(second.isFinished)
        #expect(second.model.parameters.array.map(\.bitPattern) == reference.model.parameters.array.map(\.bitPattern))

        let lines = try String(contentsOf: resumed.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
            .split(separator: "\n")
        let steps = try lines.map { line in
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return try #require(object["step"] as? Int)
        }
        #expect(steps == [0, 1, 2, 3, 4, 5, 6])
    }

    @Test("resuming skips a damaged newest checkpoint and still ends bit-identical")
    func resumeFallsBackPastDamage() throws {
        setBLASThreads(1)
        let straight = try StageFixtures.temporaryDirectory(), resumed = try StageFixtures.temporaryDirectory()
        defer {
            try? FileManager.default.removeItem(at: straight)
            try? FileManager.default.removeItem(at: resumed)
        }
        let reference = try trainer(in: straight)
        try reference.run(resume: false)
        try trainer(in: resumed).run(resume: false, stopAfter: 3)

        // Checkpoints at steps 2 and 3; cut the newest one's weights in half.
        let weights = resumed.appendingPathComponent("checkpoints/step-00000003/model.safetensors")
        let bytes = try Data(contentsOf: weights)
        try bytes.prefix(bytes.count / 2).write(to: weights)

        let second = try trainer(in: resumed)
        try second.run(resume: true)
        #expect(second.model.parameters.array.map(\.bitPattern) == reference.model.parameters.array.map(\.bitPattern))
    }

    @Test("resuming with no valid checkpoint is refused with the reason")
    func resumeWithoutCheckpoint() throws {
        let directory = try StageFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect {
            try trainer(in: directory).run(resume: true)
        } throws: { error in
            "\(error)".contains(directory.lastPathComponent)
        }
    }

    @Test("a batch larger than the data is refused before training")
    func batchTooLarge() throws {
        var settings = Self.settings
        settings.batchSize = 11
        #expect {
            try trainer(in: FileManager.default.temporaryDirectory, settings: settings)
        } throws: { error in
            "\(error)".contains("train.batch_size")
        }
    }
}
