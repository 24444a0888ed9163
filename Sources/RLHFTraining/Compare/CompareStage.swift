import Foundation
import RLHFCore
import RLHFData

/// `rlhf compare`: sample several responses per prompt from a policy (every rank a share) and
/// write them as candidate pairs for `rlhf label`, or label them at once with simulated
/// annotators judging by a scripted judge (`JudgeCatalog`), or with the judge's noise-free labels.
public enum CompareStage {
    /// What a compare run wrote.
    public struct Summary: Sendable {
        public var pairs: Int
        public var identicalSkipped: Int
        public var output: URL
        /// With simulated annotators, how often they agreed with the judge's noise-free label.
        public var goldAgreement: Double?
    }

    public static func run(config: RunConfig, group: DataParallelGroup) throws -> Summary? {
        let env = StageEnvironment(config: config, group: group)
        let modelPath = config.string("model.path")
        let model = try loadModel(at: URL(fileURLWithPath: modelPath))
        let tokenizer = try loadTokenizer(at: env.tokenizerURL(modelPath: modelPath))
        let count = config.int("compare.samples_per_prompt")
        let pairing = try ResponsePairing(config: config)
        try config.require("compare.samples_per_prompt", count >= 2 && (pairing == .all || count % 2 == 0),
                           pairing == .all ? "must be at least 2" : "must be an even number, at least 2 (adjacent pairing)")
        var prompts: [String] = []
        for path in config.stringList("data.prompts") {
            let (loaded, summary) = try loadPrompts(at: URL(fileURLWithPath: path), options: LoadOptions(skipBadLines: config.bool("data.skip_bad_lines")))
            env.say("data: \(summary)")
            prompts += loaded
        }
        let sampler = PolicySampler(
            model: model, tokenizer: tokenizer, template: try ChatTemplate(preset: config.string("tokenizer.template")),
            sampling: SamplingParameters(temperature: config.float("compare.temperature"), topK: config.int("compare.top_k"),
                                         topP: config.float("compare.top_p")),
            maxNewTokens: config.int("compare.max_new_tokens"), maxPromptTokens: config.int("compare.max_prompt_tokens"),
            seed: UInt64(config.int("compare.seed")))
        let samples = try sampler.sample(prompts, count: count, group: group)
        guard group.isLeader else { return nil }

        var pairs: [(prompt: String, a: String, b: String)] = []
        var identical = 0
        for (prompt, responses) in zip(prompts, samples) {
            for (i, j) in pairing.indexPairs(count: responses.count) {
                if responses[i].text == responses[j].text {
                    identical += 1
                } else {
                    pairs.append((prompt, responses[i].text, responses[j].text))
                }
            }
        }
        if let judge = try JudgeCatalog.judge(in: config, command: "compare") {
            let annotatorCount = config.int("compare.annotators")
            try config.require("compare.annotators", annotatorCount >= 0, "cannot be negative")
            let url = URL(fileURLWithPath: config.string("output.preferences"))
            if config.string("compare.judge") == "gold" || annotatorCount == 0 {
                // Noise-free labels, for measuring a reward model against the truth; ties are dropped.
                let lines: [[String: Any]] = pairs.compactMap { pair in
                    judge.preferred(prompt: pair.prompt, a: pair.a, b: pair.b).map { best in
                        ["prompt": pair.prompt, "chosen": best == 0 ? pair.a : pair.b, "rejected": best == 0 ? pair.b : pair.a]
                    }
                }
                try writeJSONLines(lines, to: url)
                return Summary(pairs: lines.count, identicalSkipped: identical, output: url, goldAgreement: nil)
            }
            var annotators = SimulatedAnnotators(judge: judge, count: annotatorCount,
                                                 temperature: config.double("compare.annotator_temperature"),
                                                 biasStd: config.double("compare.annotator_bias_std"), seed: UInt64(config.int("compare.seed")))
            var agreed = 0, decided = 0
            var lines: [[String: Any]] = []
            for pair in pairs {
                let choice = annotators.compare(prompt: pair.prompt, a: pair.a, b: pair.b)
                if let truth = judge.preferred(prompt: pair.prompt, a: pair.a, b: pair.b) {
                    decided += 1
                    if truth == choice.chosen { agreed += 1 }
                }
                let (chosen, rejected) = choice.chosen == 0 ? (pair.a, pair.b) : (pair.b, pair.a)
                lines.append(["prompt": pair.prompt, "chosen": chosen, "rejected": rejected, "annotator": choice.annotator])
            }
            try writeJSONLines(lines, to: url)
            return Summary(pairs: pairs.count, identicalSkipped: identical, output: url,
                           goldAgreement: decided > 0 ? Double(agreed) / Double(decided) : nil)
        }
        let lines: [[String: Any]] = pairs.map { pair in
            let id = String(stableHash(pair.prompt + "\u{0}" + pair.a + "\u{0}" + pair.b), radix: 16)
            return ["id": id, "prompt": pair.prompt, "a": pair.a, "b": pair.b]
        }
        let url = URL(fileURLWithPath: config.string("output.candidates"))
        try writeJSONLines(lines, to: url)
        return Summary(pairs: pairs.count, identicalSkipped: identical, output: url, goldAgreement: nil)
    }
}

/// Writes one JSON object per line (sorted keys), atomically.
func writeJSONLines(_ objects: [[String: Any]], to url: URL) throws {
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    var data = Data()
    for object in objects {
        data.append(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
        data.append(0x0A)
    }
    try data.write(to: url, options: .atomic)
}
