import ArgumentParser
import Foundation
import RLHFCore

/// `rlhf bench model`: training, scoring and generation throughput of the model on fixed shapes.
struct BenchModel: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Training, scoring and generation tokens/s, peak RSS and MFU for the bench configs.",
        discussion: """
        Prints one JSON object per config. train = forward + backward + AdamW step on B x T tokens; \
        score = forward without backward buffers + per-token log-probs; generate = batch 16, prompt 16, 64 sampled new tokens \
        with the KV cache. MFU divides training FLOPs/s by this machine's sgemm rate, measured in \
        the same run. Compare with PyTorch: scripts/bench/model.
        """
    )

    @Option(help: "Comma-separated configs: \(BenchConfig.all.map(\.name).joined(separator: ",")).")
    var configs: String = BenchConfig.all.map(\.name).joined(separator: ",")

    @Option(help: "OpenBLAS threads.")
    var threads: Int = 1

    @Option(help: "Timed repetitions per figure (the median is reported).")
    var repeats: Int = 5

    @Option(help: "Untimed warm-up repetitions per figure.")
    var warmup: Int = 1

    @Option(help: "Comma-separated figures to measure: train, score, generate.")
    var phases: String = "train,score,generate"

    mutating func run() throws {
        setBLASThreads(threads)
        let names = configs.split(separator: ",").map(String.init)
        let selected = try names.map { name in
            let config = try BenchConfig.named(name)
            return config
        }
        for bench in selected {
            let sgemm = Measurement.sgemmGFLOPS(repeats: repeats)
            Measurement.resetPeakRSS()
            let result = try measure(bench, sgemmGFLOPS: sgemm)
            let data = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
            FileHandle.standardOutput.write(data + Data("\n".utf8))
        }
    }

    private func measure(_ bench: BenchConfig, sgemmGFLOPS: Double) throws -> [String: Any] {
        let model = try LlamaModel.initialized(config: bench.model, seed: 1)
        var rng = RandomGenerator(seed: 2)
        let v = UInt64(bench.model.vocabSize)
        let tokens = (0..<(bench.batch * bench.time)).map { _ in Int32(rng.next() % v) }
        let batch = TokenBatch(tokens: tokens, batchSize: bench.batch, seqLen: bench.time)
        let (targets, mask) = batch.nextTokenTargets()
        let selected = Set(phases.split(separator: ",").map(String.init))
        var result: [String: Any] = [
            "impl": "rlhf", "config": bench.name, "threads": threads, "sgemm_gflops": sgemmGFLOPS, "blas_core": OpenBLASCore.loaded, "kernel_lanes": kernelVectorWidth,
            "train_flops_per_token": bench.trainFlopsPerToken, "params": model.layout.count,
        ]
        if selected.contains("train") {
            var adam = AdamW(layout: model.layout, weightDecay: 0.1)
            let seconds = try Measurement.median(repeats: repeats, warmup: warmup) {
                model.zeroGradients()
                try model.forward(batch)
                _ = try model.crossEntropy(targets: targets, mask: mask)
                model.backwardCrossEntropy(mask: mask)
                adam.update(parameters: model.parameters, gradients: model.gradients, lr: 1e-4)
            }
            let tokensPerSecond = Double(bench.batch * bench.time) / seconds
            result["train_tokens_per_s"] = tokensPerSecond
            result["train_mfu"] = bench.trainFlopsPerToken * tokensPerSecond / (sgemmGFLOPS * 1e9)
        }
        if selected.contains("score") {
            let seconds = try Measurement.median(repeats: repeats, warmup: warmup) {
                try model.forward(batch, keepingActivationsForBackward: false)
                _ = try model.tokenLogProbs(targets: targets)
            }
            result["score_tokens_per_s"] = Double(bench.batch * bench.time) / seconds
        }
        if selected.contains("generate") {
            let (genBatch, promptLength, newTokens) = (16, 16, 64)
            let prompts = (0..<genBatch).map { _ in (0..<promptLength).map { _ in Int32(rng.next() % v) } }
            let generator = Generator(model: model, maxNewTokens: newTokens, eosToken: nil)
            let seconds = try Measurement.median(repeats: repeats, warmup: warmup) {
                _ = try generator.generate(prompts: prompts, rng: &rng)
            }
            result["generate_tokens_per_s"] = Double(genBatch * newTokens) / seconds
        }
        result["peak_rss_mb"] = Measurement.peakRSSMegabytes()
        return result
    }
}
