/// Metrics that a run report draws on one plot, chosen by name: a train and a held-out loss
/// belong together, while a KL and its coefficient differ in scale and get a plot each.
struct MetricGroup: Sendable {
    /// How a group finds its metrics.
    enum Members: Sendable {
        /// These metrics, in this order, named by their keys.
        case keys([String])
        /// Every metric named `prefix` + part + `suffix`, sorted and named by the part
        /// (`timing/generate_s` is `generate`), for families whose members vary by stage.
        case family(prefix: String, suffix: String)
    }

    let title: String
    let yLabel: String
    let members: Members

    /// The metrics of this group among `names`, with their legend names, in plotting order.
    func select(from names: Set<String>) -> [(key: String, name: String)] {
        switch members {
        case .keys(let keys):
            return keys.filter(names.contains).map { (key: $0, name: $0) }
        case .family(let prefix, let suffix):
            return names.sorted()
                .filter { $0.hasPrefix(prefix) && $0.hasSuffix(suffix) && $0.count > prefix.count + suffix.count }
                .map { (key: $0, name: String($0.dropFirst(prefix.count).dropLast(suffix.count))) }
        }
    }

    /// The plots of a report, in page order: what each stage optimises first, then its health
    /// (learning rate, gradients), then cost (time, throughput).
    static let standard: [MetricGroup] = [
        MetricGroup(title: "Loss", yLabel: "loss", members: .keys(["train/loss", "eval/loss"])),
        MetricGroup(title: "Held-out perplexity", yLabel: "perplexity", members: .keys(["eval/perplexity"])),
        MetricGroup(title: "Pairwise accuracy", yLabel: "accuracy", members: .keys(["train/accuracy", "eval/accuracy"])),
        MetricGroup(title: "Held-out rewards", yLabel: "reward", members: .keys(["eval/reward_mean", "eval/reward_std"])),
        MetricGroup(title: "Score", yLabel: "score", members: .keys(["objective/scores", "eval/gold_score"])),
        MetricGroup(title: "KL to the reference policy", yLabel: "KL (nats)", members: .keys(["objective/kl"])),
        MetricGroup(title: "KL coefficient", yLabel: "beta", members: .keys(["objective/kl_coef"])),
        MetricGroup(title: "PPO losses", yLabel: "loss", members: .keys(["loss/policy", "loss/value", "loss/ptx"])),
        MetricGroup(title: "Clip fractions", yLabel: "fraction clipped", members: .keys(["policy/clipfrac", "val/clipfrac"])),
        MetricGroup(title: "Value explained variance", yLabel: "explained variance", members: .keys(["val/explained_var"])),
        MetricGroup(title: "Entropy", yLabel: "nats per token", members: .keys(["objective/entropy", "policy/entropy"])),
        MetricGroup(title: "Learning rate", yLabel: "learning rate", members: .keys(["train/lr"])),
        MetricGroup(title: "Gradient norm", yLabel: "norm before clipping", members: .keys(["train/grad_norm"])),
        MetricGroup(title: "Wall time per step, by phase", yLabel: "seconds", members: .family(prefix: "timing/", suffix: "_s")),
        MetricGroup(title: "Throughput", yLabel: "tokens per second", members: .family(prefix: "throughput/", suffix: "")),
    ]
}
