import RLHFCore

/// The floating-point operations one PPO iteration needs, counted from the shapes the way TRL's
/// PPO trainer does the work: generation with a KV cache, one forward pass of the reference,
/// the reward model and the critic (old values) over every rollout, then per epoch a forward and
/// backward pass (backward = 2 x forward) of the policy and of the critic. Matrix products count
/// 2 FLOPs per multiply-add; causal attention over T positions counts half of the T x T scores
/// (the convention of `BenchConfig.trainFlopsPerToken`). TRL also runs the policy over the
/// rollouts for the old log-probs; that pass is not counted. Our iteration runs one pass fewer
/// than the count (see `executed`).
struct PPOIterationFlops {
    let model: ModelConfig
    let rollouts: Int
    let promptTokens: Int
    let newTokens: Int
    let epochs: Int

    /// Generation, by prefill of the prompt and one decode step per further new token.
    var generation: Double {
        let prefill = forward(tokens: promptTokens, head: .languageModel)
        // Decode step k (1...newTokens-1) attends over promptTokens + k positions: QK^T and AV.
        let decode = (1..<max(newTokens, 1)).reduce(0.0) { total, k in
            total + 2 * matmulWeights(.languageModel) + 4 * attentionWidth * Double(promptTokens + k)
        }
        return Double(rollouts) * (prefill + decode)
    }

    /// The reference's per-token log-probs of every rollout.
    var reference: Double { Double(rollouts) * forward(tokens: sequenceTokens, head: .languageModel) }

    /// The reward model's score of every rollout.
    var reward: Double { Double(rollouts) * forward(tokens: sequenceTokens, head: .scalar) }

    /// The critic's old values of every rollout.
    var values: Double { Double(rollouts) * forward(tokens: sequenceTokens, head: .scalar) }

    /// The epochs of policy and critic forward + backward passes.
    var train: Double {
        Double(epochs * rollouts) * 3 * (forward(tokens: sequenceTokens, head: .languageModel)
            + forward(tokens: sequenceTokens, head: .scalar))
    }

    var total: Double { generation + reference + reward + values + train }

    /// What our iteration runs of `total`: all but the critic's old-values pass, which is also
    /// the first epoch's forward pass of the critic (one minibatch per epoch, as in the bench).
    var executed: Double { total - values }

    private var sequenceTokens: Int { promptTokens + newTokens }

    /// Layers x channels: the attention FLOPs per score, summed over the layers.
    private var attentionWidth: Double { Double(model.nLayers * model.dim) }

    private func matmulWeights(_ head: ModelHead) -> Double {
        Double(ParameterLayout(config: model, head: head).matmulParameterCount)
    }

    /// One forward pass over a sequence of `tokens`: 2N per token plus causal attention,
    /// 4 x L x C x T^2 / 2.
    private func forward(tokens: Int, head: ModelHead) -> Double {
        let t = Double(tokens)
        return 2 * matmulWeights(head) * t + 2 * attentionWidth * t * t
    }
}
