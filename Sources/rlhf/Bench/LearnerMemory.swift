import RLHFCore

/// The memory a PPO learner needs by the book: for the policy and for the critic, the weights,
/// the gradients and AdamW's two moments (4 floats per parameter), plus the activations a
/// forward pass keeps for its backward pass over the learner's share of the rollouts (per layer
/// and token: the residual stream, both norms' outputs, q/k/v, the attention output, the
/// residual after attention, SwiGLU's gate/up and hidden; attention's softmax maximum and
/// reciprocal sum per query row and head, and one head's probabilities; the final norm and the
/// head's outputs) and one layer's backward scratch.
struct LearnerMemory {
    let model: ModelConfig
    let sequences: Int
    let tokens: Int

    /// Bytes of the policy's and the critic's state and activations together.
    var bytes: Double {
        [ModelHead.languageModel, .scalar].reduce(0.0) { total, head in
            total + 4 * (4 * Double(ParameterLayout(config: model, head: head).count) + activationFloats(head: head))
        }
    }

    private func activationFloats(head: ModelHead) -> Double {
        let c = Double(model.dim), f = Double(model.hiddenDim), l = Double(model.nLayers)
        let qkv = c + 2 * Double(model.kvDim), t = Double(tokens), rows = Double(sequences) * t
        let outputs = head == .languageModel ? Double(model.vocabSize) : 1
        let perLayerRow = c + c + qkv + c + c + c + 2 * f + f + 2  // resid, norms, qkv, atty, mid, gate/up, hidden, rstds
        // Attention keeps two softmax statistics per query row and head, and one head's T x T probabilities.
        let probabilities = l * Double(sequences * model.nHeads) * t * 2 + t * t
        let backwardScratch = rows * (c + c + qkv + c + 2 * f + f) + t * t
        return rows * (l * perLayerRow + c + c + 1 + outputs) + probabilities + backwardScratch
    }
}
