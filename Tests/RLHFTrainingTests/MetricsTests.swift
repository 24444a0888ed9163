import Foundation
import Testing
import RLHFTraining

@Suite struct MetricsTests {
    func lines(_ url: URL) throws -> [String] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    @Test func linesHaveStepFirstSortedKeysAndJSONNumbers() throws {
        let directory = try TemporaryDirectory()
        let url = directory.url.appendingPathComponent("run/metrics.jsonl")
        let log = try MetricsLog(url: url, resumeFromStep: nil)
        try log.log(step: 12, ["train/loss": 2.31, "lr": 1e-05, "throughput/tokens": 15200, "a\"b": -0.5])
        #expect(try lines(url) == [#"{"step": 12, "a\"b": -0.5, "lr": 1e-05, "throughput/tokens": 15200.0, "train/loss": 2.31}"#])
        let object = try JSONSerialization.jsonObject(with: Data(try lines(url)[0].utf8)) as? [String: Any]
        #expect(object?["lr"] as? Double == 1e-05)
    }

    @Test func nonFiniteValuesAreNullAndListed() throws {
        let directory = try TemporaryDirectory()
        let url = directory.url.appendingPathComponent("metrics.jsonl")
        let log = try MetricsLog(url: url, resumeFromStep: nil)
        try log.log(step: 3, ["loss": .nan, "kl": .infinity, "reward": 1.5])
        let line = try lines(url)[0]
        #expect(line == #"{"step": 3, "kl": null, "loss": null, "reward": 1.5, "nonfinite": ["kl", "loss"]}"#)
        #expect(try JSONSerialization.jsonObject(with: Data(line.utf8)) is [String: Any])
    }

    @Test func resumingDropsStepsAfterTheCheckpoint() throws {
        let directory = try TemporaryDirectory()
        let url = directory.url.appendingPathComponent("metrics.jsonl")
        do {
            let log = try MetricsLog(url: url, resumeFromStep: nil)
            for step in 1...5 {
                try log.log(step: step, ["loss": Double(step)])
            }
        }
        // A crash in the middle of a line leaves a fragment behind.
        let handle = try FileHandle(forWritingTo: url)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(#"{"step": 6, "lo"#.utf8))
        try handle.close()

        let resumed = try MetricsLog(url: url, resumeFromStep: 3)
        try resumed.log(step: 4, ["loss": 40])
        #expect(try lines(url) == [
            #"{"step": 1, "loss": 1.0}"#, #"{"step": 2, "loss": 2.0}"#, #"{"step": 3, "loss": 3.0}"#, #"{"step": 4, "loss": 40.0}"#,
        ])

        _ = try MetricsLog(url: url, resumeFromStep: nil)
        #expect(try lines(url).isEmpty)
        let fresh = directory.url.appendingPathComponent("new/metrics.jsonl")
        try MetricsLog(url: fresh, resumeFromStep: 10).log(step: 11, ["loss": 1])
        #expect(try lines(fresh) == [#"{"step": 11, "loss": 1.0}"#])
    }
}

@Suite struct ProgressLineTests {
    @Test func formatsTheDesignExample() {
        let line = ProgressLine(step: 120, totalSteps: 1000, elapsed: 57.3, values: ["loss": 2.34564, "lr": 3e-4, "tok/s": 15_210])
        #expect(line.description == "step 120/1000 | loss 2.3456 | lr 3.0e-04 | 15.2k tok/s | ETA 7m00s")
    }

    @Test func etaUsesOnlyTheStepsTimedSinceTheStart() {
        let resumed = ProgressLine(step: 600, totalSteps: 1000, elapsed: 100, startStep: 500)
        #expect(resumed.description == "step 600/1000 | ETA 6m40s")
        #expect(ProgressLine(step: 500, totalSteps: 1000, elapsed: 0, startStep: 500).description == "step 500/1000 | ETA --")
        #expect(ProgressLine(step: 1000, totalSteps: 1000, elapsed: 60).description == "step 1000/1000 | ETA 0s")
    }

    @Test func durationsAndValuesOfEveryScale() {
        #expect(ProgressLine(step: 1, totalSteps: 2, elapsed: 42).description == "step 1/2 | ETA 42s")
        #expect(ProgressLine(step: 1, totalSteps: 3, elapsed: 3600 + 150).description == "step 1/3 | ETA 2h05m")
        #expect(ProgressLine(step: 1, totalSteps: 4, elapsed: 86_400 + 7200).description == "step 1/4 | ETA 3d06h")
        let values = ProgressLine(step: 1, totalSteps: 1, elapsed: 1, values: [
            "reward": -1.5, "critic_lr": 1e-5, "samples/s": 950, "tok/s": 3.4e6, "loss": .nan,
        ])
        #expect(values.description == "step 1/1 | reward -1.5000 | critic_lr 1.0e-05 | 950 samples/s | 3.4M tok/s | loss nan | ETA 0s")
    }
}
