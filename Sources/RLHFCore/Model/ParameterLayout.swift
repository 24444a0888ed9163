/// What sits on top of the final RMSNorm.
public enum ModelHead: String, Codable, Sendable {
    /// `lm_head` (V x C), or the token embedding when `tieEmbeddings` is set: a causal LM.
    case languageModel
    /// `score` (1 x C): one scalar per position, for the reward model and the critic.
    case scalar
}

/// One named tensor inside the flat parameter buffer.
public struct ParameterView: Equatable, Sendable {
    /// Hugging Face Llama tensor name, e.g. `model.layers.0.self_attn.q_proj.weight`.
    public let name: String
    /// Row-major shape, `[out, in]` for matrices.
    public let shape: [Int]
    /// Offset in floats from the start of the flat buffer.
    public let offset: Int
    public var count: Int { shape.reduce(1, *) }
}

/// Offsets of one decoder block's parameters in the flat buffer.
public struct LayerOffsets: Sendable {
    public let attentionNorm, wq, wk, wv, wo, ffnNorm, gate, up, down: Int
}

/// The layout of all parameters of a model in one contiguous Float32 buffer.
///
/// Order: embedding, then per block (attention norm, q, k, v, o, ffn norm, gate, up, down),
/// final norm, then the head (`lm_head` when untied, or `score`). Gradients and AdamW moments
/// use the same layout, so all-reduce, broadcast, checkpointing and the optimiser step each
/// work on one buffer.
public struct ParameterLayout: Sendable {
    public let config: ModelConfig
    public let head: ModelHead
    /// Every tensor in buffer order.
    public let views: [ParameterView]
    public let embedding: Int
    public let layers: [LayerOffsets]
    public let finalNorm: Int
    /// Offset of the V x C output matrix (equals `embedding` when tied); nil for a scalar head.
    public let lmHead: Int?
    /// Offset of the 1 x C scalar head; nil for a language model.
    public let score: Int?
    /// Total number of floats.
    public let count: Int

    public init(config: ModelConfig, head: ModelHead = .languageModel) {
        self.config = config
        self.head = head
        let c = config.dim, kv = config.kvDim, f = config.hiddenDim, v = config.vocabSize
        var views: [ParameterView] = []
        var offset = 0
        func add(_ name: String, _ shape: [Int]) -> Int {
            let view = ParameterView(name: name, shape: shape, offset: offset)
            views.append(view)
            offset += view.count
            return view.offset
        }
        embedding = add("model.embed_tokens.weight", [v, c])
        var layers: [LayerOffsets] = []
        for l in 0..<config.nLayers {
            let p = "model.layers.\(l)."
            layers.append(LayerOffsets(
                attentionNorm: add(p + "input_layernorm.weight", [c]),
                wq: add(p + "self_attn.q_proj.weight", [c, c]),
                wk: add(p + "self_attn.k_proj.weight", [kv, c]),
                wv: add(p + "self_attn.v_proj.weight", [kv, c]),
                wo: add(p + "self_attn.o_proj.weight", [c, c]),
                ffnNorm: add(p + "post_attention_layernorm.weight", [c]),
                gate: add(p + "mlp.gate_proj.weight", [f, c]),
                up: add(p + "mlp.up_proj.weight", [f, c]),
                down: add(p + "mlp.down_proj.weight", [c, f])))
        }
        self.layers = layers
        finalNorm = add("model.norm.weight", [c])
        switch head {
        case .languageModel:
            lmHead = config.tieEmbeddings ? embedding : add("lm_head.weight", [v, c])
            score = nil
        case .scalar:
            lmHead = nil
            score = add("score.weight", [1, c])
        }
        self.views = views
        count = offset
    }

    /// The view with the given Hugging Face name, if the layout has one.
    public func view(named name: String) -> ParameterView? {
        views.first { $0.name == name }
    }

    /// Floats in matrices that multiply every token's activations (excludes the embedding
    /// lookup, includes the LM head): the N in "6 N FLOPs per token".
    public var matmulParameterCount: Int {
        let c = config.dim, kv = config.kvDim, f = config.hiddenDim
        let perLayer = 2 * c * c + 2 * kv * c + 3 * f * c
        let headCount = head == .languageModel ? config.vocabSize * c : c
        return config.nLayers * perLayer + headCount
    }
}
