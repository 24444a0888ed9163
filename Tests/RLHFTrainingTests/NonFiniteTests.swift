import Foundation
import RLHFCore
import RLHFTraining
import Testing

/// The language-modelling objective with a fault injected into chosen steps: after the real
/// forward and backward pass, one gradient element becomes NaN (or the loss infinite), as an
/// overflow in a kernel would make it. It records the weights each step starts from.
final class FaultyObjective: TrainingObjective {
    enum Fault { case nanGradient, infiniteLoss }

    let base: LanguageModelingObjective
    let faults: [Int: Fault]
    private(set) var weightsAtStep: [Int: [Float]] = [:]
    private var calls = 0

    init(faults: [Int: Fault]) {
        base = LanguageModelingObjective(train: StageFixtures.countingSequences(10, seed: 1),
                                         eval: StageFixtures.countingSequences(4, seed: 2), padToken: 0, microBatchSize: 0)
        self.faults = faults
    }

    var trainCount: Int { base.trainCount }
    func weight(of examples: ArraySlice<Int>) -> Double { base.weight(of: examples) }
    func evaluate(_ model: LlamaModel, group: DataParallelGroup) throws -> [String: Double] {
        try base.evaluate(model, group: group)
    }

    func accumulateGradients(of model: LlamaModel, on examples: ArraySlice<Int>, scale: Float) throws -> ObjectiveSums {
        calls += 1
        weightsAtStep[calls] = model.parameters.array
        var sums = try base.accumulateGradients(of: model, on: examples, scale: scale)
        switch faults[calls] {
        case .nanGradient: model.gradients[model.gradients.count / 2] = .nan
        case .infiniteLoss: sums.loss = .infinity
        case nil: break
        }
        return sums
    }
}

@Suite("Non-finite updates", .serialized)
struct NonFiniteTests {
    static let settings = OptimizationSettings(steps: 6, batchSize: 4, learningRate: 3e-3, warmupSteps: 2, seed: 3,
                                               logEvery: 100, checkpointEvery: 2, keepCheckpoints: 10)

    func trainer(_ objective: FaultyObjective, in directory: URL, limit: Int = 3) throws -> StageTrainer<FaultyObjective> {
        var settings = Self.settings
        settings.maxNonFiniteSteps = limit
        return try StageTrainer(stage: "test", model: StageFixtures.model(), objective: objective, settings: settings,
                                group: StageFixtures.group(), runDirectory: directory)
    }

    /// `train/skipped_updates` of every step of the run's metrics.jsonl, in order.
    func skippedPerStep(in directory: URL) throws -> [Int: Double] {
        let text = try String(contentsOf: directory.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
        var result: [Int: Double] = [:]
        for line in text.split(separator: "\n") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            if let skipped = object["train/skipped_updates"] as? Double, let step = object["step"] as? Int {
                result[step] = skipped
            }
        }
        return result
    }

    @Test("a NaN gradient or an infinite loss skips that update, counted in metrics.jsonl, and training goes on")
    func skipsAndCounts() throws {
        setBLASThreads(1)
        let directory = try StageFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let objective = FaultyObjective(faults: [2: .nanGradient, 4: .infiniteLoss, 5: .nanGradient])
        let trainer = try trainer(objective, in: directory)
        try trainer.run(resume: false)

        #expect(trainer.isFinished)
        #expect(try skippedPerStep(in: directory) == [1: 0, 2: 1, 3: 0, 4: 1, 5: 1, 6: 0])
        // A skipped step leaves the weights exactly as they were; an applied one changes them.
        #expect(objective.weightsAtStep[3] == objective.weightsAtStep[2])
        #expect(objective.weightsAtStep[6] == objective.weightsAtStep[4])
        #expect(objective.weightsAtStep[2] != objective.weightsAtStep[1])
        #expect(objective.weightsAtStep[4] != objective.weightsAtStep[3])
        #expect(trainer.model.parameters.array.allSatisfy { $0.isFinite })
    }

    @Test("the limit of consecutive non-finite steps stops the run, naming the key, with only finite checkpoints")
    func stopsAtTheLimit() throws {
        setBLASThreads(1)
        let directory = try StageFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let objective = FaultyObjective(faults: [3: .nanGradient, 4: .nanGradient, 5: .infiniteLoss])
        #expect {
            try trainer(objective, in: directory, limit: 3).run(resume: false)
        } throws: { error in
            guard case TrainingError.nonFinite(step: 5, _, consecutive: 3, setting: "train.max_nonfinite_steps") = error else { return false }
            return "\(error)".contains("train.max_nonfinite_steps")
        }
        let store = try CheckpointStore(directory: directory.appendingPathComponent("checkpoints"), keep: 10)
        #expect(store.checkpoints().map(\.lastPathComponent) == ["step-00000002", "step-00000004"])
        let latest = try TrainingCheckpoint.read(from: try store.latestValid().url)
        #expect(latest.parameters.array.allSatisfy { $0.isFinite })
        #expect(latest.parameters.array == objective.weightsAtStep[3])
    }

    @Test("with a limit of 1 the first non-finite step stops the run")
    func limitOfOne() throws {
        setBLASThreads(1)
        let directory = try StageFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(throws: TrainingError.self) {
            try trainer(FaultyObjective(faults: [1: .infiniteLoss]), in: directory, limit: 1).run(resume: false)
        }
    }

    @Test("a model with a NaN weight is never written, and the file already there is kept")
    func nonFiniteWeightsAreNotWritten() throws {
        let directory = try StageFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let model = try StageFixtures.model()
        try saveHFModel(config: model.config, head: model.head, parameters: model.parameters, to: directory)
        let weights = directory.appendingPathComponent("model.safetensors")
        let before = try Data(contentsOf: weights)
        model.parameters[7] = .infinity
        #expect {
            try saveHFModel(config: model.config, head: model.head, parameters: model.parameters, to: directory)
        } throws: { error in
            "\(error)".contains("non-finite weights are never written")
        }
        #expect(try Data(contentsOf: weights) == before)
    }

    @Test("the guard admits finite values, skips non-finite ones and throws at the limit")
    func guardCounts() throws {
        var guardian = NonFiniteGuard(limit: 2, setting: "x.limit")
        #expect(try guardian.admits(step: 1, [("loss", 1.5)]))
        #expect(try !guardian.admits(step: 2, [("loss", .nan)]))
        #expect(try guardian.admits(step: 3, [("loss", 0.5)]))
        #expect(try !guardian.admits(step: 4, [("loss", 1), ("norm", .infinity)]))
        #expect(guardian.consecutive == 1)
        #expect(throws: TrainingError.self) { try guardian.admits(step: 5, [("norm", -.infinity)]) }
    }
}
