/// Preallocated activations and their gradients for a training or scoring pass of shape (B, T).
///
/// Allocated once per shape and reused, so no pass allocates. For training, per-layer tensors
/// are stored layer after layer and `resid` has L + 1 slices (the input of each block and the
/// final stream). A pass without backward runs the sequences through the whole model a chunk
/// of `chunkSequences` at a time and keeps one layer's slot for one chunk, reused by every
/// layer and chunk and one `resid` slice updated in place: its working set then stays in cache
/// instead of streaming every layer's tensors through memory. Only the head output spans the
/// whole batch. Attention's probabilities are never stored for a whole layer: one head's at a
/// time, and for backward each query row's softmax statistics, from which it recomputes them.
final class Activations {
    let batch: Int, time: Int
    var rows: Int { batch * time }
    /// Whether every layer's tensors are kept, as `LlamaModel.backward()` needs.
    let keepsEveryLayer: Bool
    /// Sequences that go through the blocks together: the whole batch when every layer's
    /// tensors are kept, else about `scoringChunkRows` rows' worth.
    let chunkSequences: Int
    /// Rows of a chunk, the row count of the per-layer tensors.
    var chunkRows: Int { chunkSequences * time }
    /// Rows a scoring pass sends through the blocks at once: few enough that a chunk's
    /// activations stay in the L2 cache (on the `small` bench config, a pass in chunks of 512
    /// rows took ~74 ms against 87-98 ms for the 2048 rows at once; the row count of a product
    /// alone makes no difference to sgemm).
    static let scoringChunkRows = 512

    let tokens: UnsafeMutablePointer<Int32>      // [N]
    let positions: UnsafeMutablePointer<Int32>   // [N]
    // Per-layer tensors over a chunk's NC rows; L is 1 when `keepsEveryLayer` is false, and NC
    // is N when it is true.
    let resid: FloatBuffer        // [L+1, NC, C]
    let attnNorm: FloatBuffer     // [L, NC, C]
    let attnRstd: FloatBuffer     // [L, NC]
    let qkv: FloatBuffer          // [L, NC, S3]
    let probs: FloatBuffer        // [T, T]: one head's attention probabilities
    let attnRowStats: FloatBuffer // [L, B, NH, T, 2]: softmax maximum and reciprocal sum (empty without backward)
    /// Attention's copies of one sequence's heads, for its forward and backward.
    let attentionHeads: FloatBuffer   // [7, T, HS]
    let atty: FloatBuffer         // [L, NC, C]
    let mid: FloatBuffer          // [L, NC, C]
    let ffnNorm: FloatBuffer      // [L, NC, C]
    let ffnRstd: FloatBuffer      // [L, NC]
    let gateUp: FloatBuffer       // [L, NC, 2F]
    let hidden: FloatBuffer       // [L, NC, F]
    let finalNorm: FloatBuffer    // [NC, C]
    let finalRstd: FloatBuffer    // [NC]
    /// Head output: logits [N, V] or values [N]; the backward pass overwrites it with its gradient.
    let output: FloatBuffer

    // Gradient scratch, one layer's worth, reused by every layer (empty without backward).
    let dresid: FloatBuffer       // [N, C]
    let dnorm: FloatBuffer        // [N, C]
    let dqkv: FloatBuffer         // [N, S3]
    let datty: FloatBuffer        // [N, C]
    let dgateUp: FloatBuffer      // [N, 2F]
    let dhidden: FloatBuffer      // [N, F]; only a feed-forward block's rows when `backward` goes by blocks
    let dprobs: FloatBuffer       // [T, T]

    // Per-position results of `TokenLogProbs`.
    let targets: UnsafeMutablePointer<Int32>     // [N]
    let logp: FloatBuffer, entropy: FloatBuffer, lse: FloatBuffer   // [N]
    let vocabScratch: FloatBuffer // [V]
    /// Temperature of the last `tokenLogProbs` call; nil until one ran after the forward pass.
    var logProbTemperature: Float?

    private let dim: Int, hiddenDim: Int, qkvWidth: Int, heads: Int, residSlices: Int

    init(config: ModelConfig, head: ModelHead, batch: Int, time: Int, keepingEveryLayer: Bool) {
        self.batch = batch
        self.time = time
        keepsEveryLayer = keepingEveryLayer
        chunkSequences = max(1, keepingEveryLayer ? batch : min(batch, Self.scoringChunkRows / max(time, 1)))
        let n = batch * time, c = config.dim, l = keepingEveryLayer ? config.nLayers : 1, f = config.hiddenDim
        let s3 = config.dim + 2 * config.kvDim
        let g = keepingEveryLayer ? n : 0, nc = chunkSequences * time
        dim = c
        hiddenDim = f
        qkvWidth = s3
        heads = config.nHeads
        tokens = .allocate(capacity: max(n, 1))
        positions = .allocate(capacity: max(n, 1))
        targets = .allocate(capacity: max(n, 1))
        tokens.initialize(repeating: 0, count: max(n, 1))
        targets.initialize(repeating: 0, count: max(n, 1))
        for i in 0..<n { positions[i] = Int32(i % time) }
        // Without backward the stream is updated in place: one slice.
        residSlices = keepingEveryLayer ? l + 1 : 1
        resid = FloatBuffer(count: residSlices * nc * c)
        attnNorm = FloatBuffer(count: l * nc * c)
        attnRstd = FloatBuffer(count: l * nc)
        qkv = FloatBuffer(count: l * nc * s3)
        probs = FloatBuffer(count: time * time)
        attnRowStats = FloatBuffer(count: keepingEveryLayer ? l * batch * config.nHeads * time * 2 : 0)
        attentionHeads = FloatBuffer(count: Attention(config: config).headScratchCount(time: time))
        atty = FloatBuffer(count: l * nc * c)
        mid = FloatBuffer(count: keepingEveryLayer ? l * nc * c : 0)
        ffnNorm = FloatBuffer(count: l * nc * c)
        ffnRstd = FloatBuffer(count: l * nc)
        gateUp = FloatBuffer(count: l * nc * 2 * f)
        hidden = FloatBuffer(count: l * nc * f)
        finalNorm = FloatBuffer(count: nc * c)
        finalRstd = FloatBuffer(count: nc)
        output = FloatBuffer(count: head == .languageModel ? n * config.vocabSize : n)
        dresid = FloatBuffer(count: g * c)
        dnorm = FloatBuffer(count: g * c)
        dqkv = FloatBuffer(count: g * s3)
        datty = FloatBuffer(count: g * c)
        dgateUp = FloatBuffer(count: g * 2 * f)
        dhidden = FloatBuffer(count: g * f)
        dprobs = FloatBuffer(count: keepingEveryLayer ? time * time : 0)
        logp = FloatBuffer(count: n)
        entropy = FloatBuffer(count: n)
        lse = FloatBuffer(count: n)
        vocabScratch = FloatBuffer(count: config.vocabSize)
    }

    typealias Pointer = UnsafeMutablePointer<Float>

    /// Block `l`'s slices: its input x, attention norm and rstd, qkv, attention's row statistics
    /// (nil without backward), attention output, the stream after attention (mid), FFN norm and
    /// rstd, gate|up, and the SwiGLU output. Without backward, x, mid and the block's output are
    /// one slice, updated in place.
    func layer(_ l: Int) -> (x: Pointer, norm1: Pointer, rstd1: Pointer, qkv: Pointer, rowStats: Pointer?, atty: Pointer,
                             mid: Pointer, norm2: Pointer, rstd2: Pointer, gateUp: Pointer, hidden: Pointer) {
        let n = chunkRows, c = dim, f = hiddenDim
        let s = keepsEveryLayer ? l : 0
        let stats = keepsEveryLayer ? attentionRowStats(l) : nil
        return (stream(before: l), attnNorm.pointer + s * n * c, attnRstd.pointer + s * n,
                qkv.pointer + s * n * qkvWidth, stats, atty.pointer + s * n * c,
                keepsEveryLayer ? mid.pointer + s * n * c : stream(before: l),
                ffnNorm.pointer + s * n * c, ffnRstd.pointer + s * n,
                gateUp.pointer + s * n * 2 * f, hidden.pointer + s * n * f)
    }

    /// Block `l`'s attention row statistics [B, NH, T, 2]; kept only for backward.
    func attentionRowStats(_ l: Int) -> Pointer {
        precondition(keepsEveryLayer, "attention row statistics are kept only for backward")
        return attnRowStats.pointer + l * batch * heads * time * 2
    }

    /// The residual stream entering block `l` (l = L: the final stream).
    func stream(before l: Int) -> Pointer {
        resid.pointer + (l % residSlices) * chunkRows * dim
    }

    deinit {
        tokens.deallocate()
        positions.deallocate()
        targets.deallocate()
    }
}
