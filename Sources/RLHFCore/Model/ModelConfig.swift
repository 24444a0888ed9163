/// The shape of a Llama-family decoder.
///
/// Field names follow the design card; `HFConfig` maps them to Hugging Face's `config.json`.
public struct ModelConfig: Equatable, Hashable, Codable, Sendable {
    /// Width of the residual stream (C).
    public var dim: Int
    /// Number of decoder blocks (L).
    public var nLayers: Int
    /// Number of query heads (NH).
    public var nHeads: Int
    /// Number of key/value heads; fewer than `nHeads` means grouped-query attention.
    public var nKVHeads: Int
    /// Width of the SwiGLU feed-forward layer (F).
    public var hiddenDim: Int
    /// Vocabulary size (V).
    public var vocabSize: Int
    /// Longest sequence the model accepts (prompt plus response).
    public var maxSeqLen: Int
    /// Base of the rotary position embedding frequencies.
    public var ropeTheta: Float
    /// Epsilon inside RMSNorm's square root.
    public var normEps: Float
    /// Whether the LM head shares the token-embedding matrix.
    public var tieEmbeddings: Bool

    public init(
        dim: Int, nLayers: Int, nHeads: Int, nKVHeads: Int, hiddenDim: Int, vocabSize: Int,
        maxSeqLen: Int, ropeTheta: Float = 10_000, normEps: Float = 1e-5, tieEmbeddings: Bool = true
    ) {
        self.dim = dim
        self.nLayers = nLayers
        self.nHeads = nHeads
        self.nKVHeads = nKVHeads
        self.hiddenDim = hiddenDim
        self.vocabSize = vocabSize
        self.maxSeqLen = maxSeqLen
        self.ropeTheta = ropeTheta
        self.normEps = normEps
        self.tieEmbeddings = tieEmbeddings
    }

    /// Width of one attention head (HS = C / NH).
    public var headDim: Int { dim / nHeads }
    /// Width of the key and value projections (NKV * HS).
    public var kvDim: Int { nKVHeads * headDim }
    /// Query heads that share one key/value head.
    public var queriesPerKVHead: Int { nHeads / nKVHeads }

    /// Checks that the shape describes a model that can be built.
    public func validate() throws(ModelConfigError) {
        let positive: [(String, Int)] = [
            ("dim", dim), ("n_layers", nLayers), ("n_heads", nHeads), ("n_kv_heads", nKVHeads),
            ("hidden_dim", hiddenDim), ("vocab_size", vocabSize), ("max_seq_len", maxSeqLen),
        ]
        for (name, value) in positive where value <= 0 {
            throw .invalid("\(name) must be positive, got \(value)")
        }
        if dim % nHeads != 0 {
            throw .invalid("dim (\(dim)) must be a multiple of n_heads (\(nHeads))")
        }
        if nHeads % nKVHeads != 0 {
            throw .invalid("n_heads (\(nHeads)) must be a multiple of n_kv_heads (\(nKVHeads))")
        }
        if headDim % 2 != 0 {
            throw .invalid("head size dim/n_heads (\(headDim)) must be even for rotary embeddings")
        }
        if !(ropeTheta > 0) || !(normEps > 0) {
            throw .invalid("rope_theta (\(ropeTheta)) and norm_eps (\(normEps)) must be positive")
        }
    }
}

/// A model shape that cannot be built.
public enum ModelConfigError: Error, Equatable, CustomStringConvertible {
    case invalid(String)

    public var description: String {
        switch self {
        case .invalid(let message): "invalid model config: \(message)"
        }
    }
}
