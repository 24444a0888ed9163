import ArgumentParser
import Foundation
import RLHFTraining

/// `rlhf report`: the run's report page and TensorBoard event files.
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write RUN/report.html (plots of every stage, summary, before/after samples) and TensorBoard event files.",
        discussion: """
            Reads RUN/<stage>/metrics.jsonl for the stages pretrain, sft, rm and ppo (those present) and \
            RUN/eval.json written by rlhf eval with eval.output. TensorBoard event files go to \
            RUN/<stage>/tensorboard/, so `tensorboard --logdir RUN` shows every stage.
            """)

    /// The stage directories a run may hold, in recipe order.
    static let stages = ["pretrain", "sft", "rm", "ppo"]

    @Option(name: .customLong("run"), help: "The run directory (e.g. runs/demo).") var runDirectory: String
    @Option(help: "The page title.") var title = "RLHF run"
    @Option(help: "Another run to overlay on the PPO plots and to add to the summary, as LABEL=DIR (e.g. no-kl=runs/demo-no-kl).")
    var compare: String?
    @Flag(help: "Print the summary table only; write nothing.") var summaryOnly = false

    func validate() throws {
        if let compare, Self.split(compare) == nil {
            throw ValidationError("--compare takes LABEL=DIR (e.g. no-kl=runs/demo-no-kl), got \"\(compare)\"")
        }
    }

    func run() throws {
        let directory = URL(fileURLWithPath: runDirectory)
        let evaluation = try EvaluationFile(url: directory.appendingPathComponent("eval.json"))
        let other = compare.flatMap(Self.split).map { (label: $0.0, directory: URL(fileURLWithPath: $0.1)) }
        // The other run's key figures follow this run's, each labelled with the run's name.
        var summary = evaluation?.summary ?? []
        if evaluation != nil, let target = try Self.klTarget(runDirectory: directory) {
            summary.append(("KL target (ppo.target_kl) per response", String(format: "%.3f", target)))
        }
        if let other, let otherEvaluation = try EvaluationFile(url: other.directory.appendingPathComponent("eval.json")) {
            summary += otherEvaluation.summary.map { ("\(other.label): \($0.label)", $0.value) }
        }
        if summaryOnly {
            let width = summary.map(\.label.count).max().map { max($0, 45) } ?? 45
            for (label, value) in summary { print("  \(label.padding(toLength: width, withPad: " ", startingAt: 0)) \(value)") }
            return
        }
        var report = RunReport(title: title)
        if !summary.isEmpty { report.addSummary(summary) }
        for stage in Self.stages {
            let metrics = directory.appendingPathComponent(stage).appendingPathComponent("metrics.jsonl")
            guard FileManager.default.fileExists(atPath: metrics.path) else { continue }
            if stage == "ppo", let other {
                try report.addComparison(name: stage, runs: [("this run", metrics),
                                                             (other.label, other.directory.appendingPathComponent("ppo/metrics.jsonl"))])
            } else {
                try report.addStage(name: stage, metrics: metrics)
            }
            try exportTensorBoard(metrics: metrics, to: directory.appendingPathComponent(stage).appendingPathComponent("tensorboard"))
        }
        if let evaluation, !evaluation.samples.isEmpty {
            try report.addSamples(title: "Held-out prompts: the SFT model (before) and the PPO policy (after)",
                                  columns: ["prompt", "before (SFT)", "after (PPO)"], rows: evaluation.samples)
        }
        let page = directory.appendingPathComponent("report.html")
        try report.write(to: page)
        print("report: \(page.path)")
    }

    /// The run's `ppo.target_kl` (from RUN/ppo/config.yaml), when its PPO stage set one: the KL
    /// the adaptive controller steers towards, to read beside the evaluation's KL.
    static func klTarget(runDirectory: URL) throws -> Double? {
        let file = runDirectory.appendingPathComponent("ppo/config.yaml")
        guard FileManager.default.fileExists(atPath: file.path) else { return nil }
        let target = try RunConfig.load(schema: StageSchemas.ppo, file: file, overrides: []).double("ppo.target_kl")
        return target > 0 ? target : nil
    }

    /// LABEL and DIR of `LABEL=DIR`, both non-empty; nil otherwise.
    static func split(_ text: String) -> (String, String)? {
        guard let equals = text.firstIndex(of: "="), equals != text.startIndex, text.index(after: equals) != text.endIndex else { return nil }
        return (String(text[..<equals]), String(text[text.index(after: equals)...]))
    }
}

/// The `eval.json` that `rlhf eval` writes for a policy evaluation.
struct EvaluationFile {
    var metrics: [String: Double]
    var samples: [[String]]

    init?(url: URL) throws {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        guard let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] else {
            throw ValidationError("\(url.path) is not a JSON object; it should be the eval.output of rlhf eval")
        }
        metrics = (object["metrics"] as? [String: Any] ?? [:]).compactMapValues { ($0 as? NSNumber)?.doubleValue }
        samples = (object["samples"] as? [[String: Any]] ?? []).prefix(12).map { sample in
            ["prompt", "before", "after"].map { sample[$0] as? String ?? "" }
        }
    }

    /// The figures a person looks at first, formatted.
    var summary: [(label: String, value: String)] {
        let rows: [(String, String, String)] = [
            ("win rate of the policy against SFT", "eval/win_rate", "%.1f%%"),
            ("judge score: SFT", "eval/gold_score_baseline", "%.3f"), ("judge score: policy", "eval/gold_score", "%.3f"),
            ("reward-model score: SFT", "eval/rm_score_baseline", "%.3f"), ("reward-model score: policy", "eval/rm_score", "%.3f"),
            ("KL(policy || SFT) per response", "eval/kl_to_baseline", "%.3f"),
            ("fluency (judge's isFluent): SFT", "eval/fluency_baseline", "%.1f%%"), ("fluency: policy", "eval/fluency", "%.1f%%"),
            ("perplexity of SFT outputs", "eval/perplexity_of_baseline", "%.2f"),
            ("perplexity of policy outputs", "eval/perplexity_of_policy", "%.2f"),
            ("perplexity ratio (policy / SFT outputs)", "eval/perplexity_ratio", "%.3f"),
        ]
        return rows.compactMap { label, key, format in
            metrics[key].map { (label, String(format: format, format.hasSuffix("%%") ? 100 * $0 : $0)) }
        }
    }
}
