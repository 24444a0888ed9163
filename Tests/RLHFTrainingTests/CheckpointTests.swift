import Foundation
import Testing
import RLHFCore
import RLHFTraining

/// A uniquely named directory under the system's temporary directory, removed on deinit.
final class TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("rlhf-training-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }
}

@Suite struct CheckpointTests {
    let config = ModelConfig(dim: 8, nLayers: 2, nHeads: 2, nKVHeads: 1, hiddenDim: 16, vocabSize: 11, maxSeqLen: 8, tieEmbeddings: false)

    /// A model and optimiser with random weights and moments, and a few values whose bits are
    /// easy to lose (negative zero, subnormals, extremes).
    func makeTrainingObjects(seed: UInt64) throws -> (LlamaModel, AdamW, TrainingState) {
        var rng = RandomGenerator(seed: seed)
        let model = try LlamaModel(config: config)
        var optimizer = AdamW(layout: model.layout)
        for i in 0..<model.parameters.count {
            model.parameters[i] = rng.nextGaussian()
        }
        model.parameters[0] = -0.0
        model.parameters[1] = .leastNonzeroMagnitude
        model.parameters[2] = -.greatestFiniteMagnitude
        let m = (0..<model.parameters.count).map { _ in rng.nextGaussian() * 1e-3 }
        let v = (0..<model.parameters.count).map { _ in rng.nextUnitFloat() * 1e-6 }
        optimizer.restore(step: 7, m: m, v: v)
        let state = TrainingState(step: 7, dataCursor: ["epoch": 1, "position": 4096], rngState: rng.state,
                                  extra: ["reward/mean": 0.1 + 0.2, "reward/std": 1e-300], worldSize: 4)
        return (model, optimizer, state)
    }

    func bits(_ values: [Float]) -> [UInt32] { values.map(\.bitPattern) }

    func saveTrainingCheckpoint(_ store: CheckpointStore, step: Int, seed: UInt64 = 1) throws -> URL {
        let (model, optimizer, state) = try makeTrainingObjects(seed: seed)
        return try store.save(step: step) { directory in
            try TrainingCheckpoint.write(to: directory, model: model, optimizer: optimizer, state: state)
        }
    }

    /// Files in `directory` whose names start with `.tmp-`.
    func temporaryEntries(_ directory: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasPrefix(".tmp-") }
    }

    func damage(_ file: URL, atByte offset: Int) throws {
        var data = try Data(contentsOf: file)
        data[offset] ^= 0x01
        try data.write(to: file)
    }

    @Test func roundTripIsBitExact() throws {
        let directory = try TemporaryDirectory()
        let store = try CheckpointStore(directory: directory.url.appendingPathComponent("checkpoints"), keep: 3)
        let (model, optimizer, state) = try makeTrainingObjects(seed: 42)
        let url = try store.save(step: 7) { try TrainingCheckpoint.write(to: $0, model: model, optimizer: optimizer, state: state) }
        #expect(url.lastPathComponent == "step-00000007")

        try CheckpointStore.verify(url)
        let checkpoint = try TrainingCheckpoint.read(from: url)
        #expect(checkpoint.config == config)
        #expect(checkpoint.head == .languageModel)
        #expect(bits(checkpoint.parameters.array) == bits(model.parameters.array))
        #expect(checkpoint.optimizerStep == 7)
        #expect(bits(checkpoint.m) == bits(optimizer.m.array))
        #expect(bits(checkpoint.v) == bits(optimizer.v.array))
        #expect(checkpoint.state == state)

        var restored = AdamW(layout: model.layout)
        restored.restore(step: checkpoint.optimizerStep, m: checkpoint.m, v: checkpoint.v)
        #expect(bits(restored.m.array) == bits(optimizer.m.array))

        // A training checkpoint is also a plain Hugging Face model directory.
        let hf = try loadHFModel(directory: url)
        #expect(bits(hf.parameters.array) == bits(model.parameters.array))
    }

    @Test func manifestListsEveryFileWithSizeAndDigest() throws {
        let directory = try TemporaryDirectory()
        let store = try CheckpointStore(directory: directory.url, keep: 0)
        let url = try store.save(step: 3) { dir in
            try Data("abc".utf8).write(to: dir.appendingPathComponent("notes.txt"))
            try FileManager.default.createDirectory(at: dir.appendingPathComponent("sub"), withIntermediateDirectories: true)
            try Data(count: 10).write(to: dir.appendingPathComponent("sub/zeros.bin"))
        }
        var zeros = SHA256()
        zeros.update(Data(count: 10))
        let manifest = try CheckpointManifest.read(from: url)
        #expect(manifest.step == 3)
        #expect(manifest.formatVersion == CheckpointManifest.currentFormatVersion)
        #expect(manifest.files == [
            "notes.txt": .init(bytes: 3, sha256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            "sub/zeros.bin": .init(bytes: 10, sha256: zeros.hexDigest),
        ])
        try FileManager.default.removeItem(at: url.appendingPathComponent("sub/zeros.bin"))
        #expect(throws: CheckpointError.missingFile(directory: url.path, file: "sub/zeros.bin")) { try CheckpointStore.verify(url) }
    }

    @Test func flippedByteFailsNamingTheFile() throws {
        let directory = try TemporaryDirectory()
        let store = try CheckpointStore(directory: directory.url, keep: 3)
        let url = try saveTrainingCheckpoint(store, step: 100)
        let weights = url.appendingPathComponent("model.safetensors")
        try damage(weights, atByte: 200)
        #expect {
            try CheckpointStore.verify(url)
        } throws: { error in
            guard case .checksumMismatch(let dir, let file, let expected, let actual) = error as? CheckpointError else { return false }
            return dir == url.path && file == "model.safetensors" && expected != actual && "\(error)".contains("model.safetensors")
        }
        #expect(throws: CheckpointError.self) { try TrainingCheckpoint.read(from: url) }
    }

    @Test func truncatedFileFailsNamingTheSizes() throws {
        let directory = try TemporaryDirectory()
        let store = try CheckpointStore(directory: directory.url, keep: 3)
        let url = try saveTrainingCheckpoint(store, step: 100)
        let moments = url.appendingPathComponent("optimizer.safetensors")
        let data = try Data(contentsOf: moments)
        try data.prefix(data.count - 5).write(to: moments)
        let expected = CheckpointError.sizeMismatch(directory: url.path, file: "optimizer.safetensors", expected: data.count, actual: data.count - 5)
        #expect(throws: expected) { try CheckpointStore.verify(url) }
        #expect(expected.description.contains("has \(data.count - 5) bytes but manifest.json says \(data.count)"))
    }

    @Test func missingOrBrokenManifestFails() throws {
        let directory = try TemporaryDirectory()
        let store = try CheckpointStore(directory: directory.url, keep: 3)
        let url = try saveTrainingCheckpoint(store, step: 100)
        let manifest = url.appendingPathComponent("manifest.json")
        try Data("{\"format_version\": 1,".utf8).write(to: manifest)
        #expect {
            try CheckpointStore.verify(url)
        } throws: { error in
            if case .invalidManifest(let dir, _) = error as? CheckpointError { return dir == url.path }
            return false
        }
        try FileManager.default.removeItem(at: manifest)
        #expect(throws: CheckpointError.missingManifest(directory: url.path)) { try CheckpointStore.verify(url) }
        let absent = directory.url.appendingPathComponent("step-00000300")
        #expect(throws: CheckpointError.io(path: absent.path, detail: "no such checkpoint directory")) { try CheckpointStore.verify(absent) }
    }

    @Test func latestValidFallsBackPastDamagedCheckpoints() throws {
        let directory = try TemporaryDirectory()
        let store = try CheckpointStore(directory: directory.url, keep: 5)
        let first = try saveTrainingCheckpoint(store, step: 100, seed: 1)
        let second = try saveTrainingCheckpoint(store, step: 200, seed: 2)
        #expect(store.checkpoints() == [first, second])
        #expect(try store.latestValid().step == 200)

        try damage(second.appendingPathComponent("model.safetensors"), atByte: 100)
        let latest = try store.latestValid()
        #expect(latest.url == first)
        #expect(latest.step == 100)
        #expect(latest.skipped.count == 1)
        #expect(latest.skipped.first?.description.contains("step-00000200") == true)

        try damage(first.appendingPathComponent("state.json"), atByte: 3)
        #expect {
            try store.latestValid()
        } throws: { error in
            guard case .noValidCheckpoint(let dir, let problems) = error as? CheckpointError else { return false }
            return dir == directory.url.path && problems.count == 2
        }
        let empty = try CheckpointStore(directory: directory.url.appendingPathComponent("none"), keep: 1)
        #expect(throws: CheckpointError.noValidCheckpoint(directory: empty.directory.path, problems: [])) { try empty.latestValid() }
    }

    @Test func failingWriteLeavesPreviousCheckpointsAndNoTemporaryDirectory() throws {
        struct DiskFull: Error {}
        let directory = try TemporaryDirectory()
        let store = try CheckpointStore(directory: directory.url, keep: 1)
        let previous = try saveTrainingCheckpoint(store, step: 100)
        let before = try Data(contentsOf: previous.appendingPathComponent("manifest.json"))
        for step in [100, 200] {
            #expect {
                try store.save(step: step) { dir in
                    try Data("partial".utf8).write(to: dir.appendingPathComponent("model.safetensors"))
                    throw DiskFull()
                }
            } throws: { error in
                if case .writeFailed(let failedStep, let detail) = error as? CheckpointError { return failedStep == step && detail.contains("DiskFull") }
                return false
            }
        }
        #expect(store.checkpoints() == [previous])
        #expect(try Data(contentsOf: previous.appendingPathComponent("manifest.json")) == before)
        try CheckpointStore.verify(previous)
        #expect(try temporaryEntries(directory.url).isEmpty)
    }

    @Test func resavingAStepReplacesIt() throws {
        let directory = try TemporaryDirectory()
        let store = try CheckpointStore(directory: directory.url, keep: 2)
        _ = try saveTrainingCheckpoint(store, step: 100, seed: 1)
        let url = try saveTrainingCheckpoint(store, step: 100, seed: 2)
        let (model, _, _) = try makeTrainingObjects(seed: 2)
        #expect(bits(try TrainingCheckpoint.read(from: url).parameters.array) == bits(model.parameters.array))
        #expect(store.checkpoints() == [url])
        #expect(try temporaryEntries(directory.url).isEmpty)
    }

    @Test func pruneKeepsTheNewest() throws {
        let directory = try TemporaryDirectory()
        let store = try CheckpointStore(directory: directory.url, keep: 2)
        for step in [10, 20, 30, 40] {
            try store.save(step: step) { try Data([UInt8(step)]).write(to: $0.appendingPathComponent("x")) }
        }
        #expect(store.checkpoints().map(\.lastPathComponent) == ["step-00000030", "step-00000040"])
        // A checkpoint older than those kept is itself kept: the run that saved it resumed from it.
        try store.save(step: 35) { try Data([35]).write(to: $0.appendingPathComponent("x")) }
        #expect(store.checkpoints().map(\.lastPathComponent) == ["step-00000035", "step-00000040"])
    }

    @Test func staleTemporaryDirectoriesAreRemovedAtInit() throws {
        let directory = try TemporaryDirectory()
        let stale = directory.url.appendingPathComponent(".tmp-step-00000300-12345")
        try FileManager.default.createDirectory(at: stale, withIntermediateDirectories: true)
        try Data("half".utf8).write(to: stale.appendingPathComponent("model.safetensors"))
        let unrelated = directory.url.appendingPathComponent("notes")
        try Data().write(to: unrelated)
        let store = try CheckpointStore(directory: directory.url, keep: 2)
        #expect(try temporaryEntries(directory.url).isEmpty)
        #expect(FileManager.default.fileExists(atPath: unrelated.path))
        #expect(store.checkpoints().isEmpty)
    }

    @Test func aReplacementInterruptedByACrashIsRecoveredAtInit() throws {
        let directory = try TemporaryDirectory()
        let store = try CheckpointStore(directory: directory.url, keep: 3)
        let first = try saveTrainingCheckpoint(store, step: 100)
        let second = try saveTrainingCheckpoint(store, step: 200)
        // Killed after moving the old step-100 aside, before publishing its replacement.
        try FileManager.default.moveItem(at: first, to: directory.url.appendingPathComponent(".replaced-step-00000100-999"))
        // Killed after publishing step-200's replacement, before removing the old one.
        try FileManager.default.copyItem(at: second, to: directory.url.appendingPathComponent(".replaced-step-00000200-999"))
        try FileManager.default.createDirectory(at: directory.url.appendingPathComponent(".replaced-"), withIntermediateDirectories: true)

        let reopened = try CheckpointStore(directory: directory.url, keep: 3)
        #expect(reopened.checkpoints() == [first, second])
        try CheckpointStore.verify(first)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.url.path).filter { $0.hasPrefix(".replaced-step") }
        #expect(leftovers.isEmpty)
    }

    @Test func directoryNamesSortBySteps() {
        #expect(CheckpointStore.directoryName(step: 100) == "step-00000100")
        #expect(CheckpointStore.directoryName(step: 123_456_789) == "step-123456789")
    }
}
