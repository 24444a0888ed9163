/// Preallocated activations and their gradients for a training or scoring pass of shape (B, T).
///
/// Allocated once per shape and reused, so no pass allocates. For training, per-layer tensors
/// are stored layer after layer and `resid` has L + 1 slices (the input of each block and the
/// final stream). A pass without backward keeps one layer's slot, reused by every layer, two
/// alternating `resid` slices and one (sequence, head)'s attention probabilities: its working
/// set then stays in cache instead of streaming every layer's tensors through memory.
final class Activations {
    let batch: Int, time: Int
    var rows: Int { batch * time }
    /// Whether every layer's tensors are kept, as `LlamaModel.backward()` needs.
    let keepsEveryLayer: Bool

    let tokens: UnsafeMutablePointer<Int32>      // [N]
    let positions: UnsafeMutablePointer<Int32>   // [N]
    // Per-layer tensors; L is 1 when `keepsEveryLayer` is false.
    let resid: FloatBuffer        // [L+1, N, C]
    let attnNorm: FloatBuffer     // [L, N, C]
    let attnRstd: FloatBuffer     // [L, N]
    let qkv: FloatBuffer          // [L, N, S3]
    let probs: FloatBuffer        // [L, B, NH, T, T], or [T, T] without backward
    /// Attention's copies of one sequence's heads, for its forward and backward.
    let attentionHeads: FloatBuffer   // [4, T, HS]
    let atty: FloatBuffer         // [L, N, C]
    let mid: FloatBuffer          // [L, N, C]
    let ffnNorm: FloatBuffer      // [L, N, C]
    let ffnRstd: FloatBuffer      // [L, N]
    let gateUp: FloatBuffer       // [L, N, 2F]
    let hidden: FloatBuffer       // [L, N, F]
    let finalNorm: FloatBuffer    // [N, C]
    let finalRstd: FloatBuffer    // [N]
    /// Head output: logits [N, V] or values [N]; the backward pass overwrites it with its gradient.
    let output: FloatBuffer

    // Gradient scratch, one layer's worth, reused by every layer (empty without backward).
    let dresid: FloatBuffer       // [N, C]
    let dnorm: FloatBuffer        // [N, C]
    let dqkv: FloatBuffer         // [N, S3]
    let datty: FloatBuffer        // [N, C]
    let dgateUp: FloatBuffer      // [N, 2F]
    let dhidden: FloatBuffer      // [N, F]
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
        let n = batch * time, c = config.dim, l = keepingEveryLayer ? config.nLayers : 1, f = config.hiddenDim
        let s3 = config.dim + 2 * config.kvDim
        let g = keepingEveryLayer ? n : 0
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
        residSlices = l + 1
        resid = FloatBuffer(count: residSlices * n * c)
        attnNorm = FloatBuffer(count: l * n * c)
        attnRstd = FloatBuffer(count: l * n)
        qkv = FloatBuffer(count: l * n * s3)
        probs = FloatBuffer(count: keepingEveryLayer ? l * batch * config.nHeads * time * time : time * time)
        attentionHeads = FloatBuffer(count: Attention(config: config).headScratchCount(time: time))
        atty = FloatBuffer(count: l * n * c)
        mid = FloatBuffer(count: l * n * c)
        ffnNorm = FloatBuffer(count: l * n * c)
        ffnRstd = FloatBuffer(count: l * n)
        gateUp = FloatBuffer(count: l * n * 2 * f)
        hidden = FloatBuffer(count: l * n * f)
        finalNorm = FloatBuffer(count: n * c)
        finalRstd = FloatBuffer(count: n)
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

    /// Block `l`'s slices: its input x, attention norm and rstd, qkv, probs, attention output,
    /// the stream after attention (mid), FFN norm and rstd, gate|up, and the SwiGLU output.
    func layer(_ l: Int) -> (x: Pointer, norm1: Pointer, rstd1: Pointer, qkv: Pointer, probs: Pointer, atty: Pointer,
                             mid: Pointer, norm2: Pointer, rstd2: Pointer, gateUp: Pointer, hidden: Pointer) {
        let n = rows, c = dim, f = hiddenDim
        let s = keepsEveryLayer ? l : 0
        let p = keepsEveryLayer ? probs.pointer + l * batch * heads * time * time : probs.pointer
        return (stream(before: l), attnNorm.pointer + s * n * c, attnRstd.pointer + s * n,
                qkv.pointer + s * n * qkvWidth, p, atty.pointer + s * n * c,
                mid.pointer + s * n * c, ffnNorm.pointer + s * n * c, ffnRstd.pointer + s * n,
                gateUp.pointer + s * n * 2 * f, hidden.pointer + s * n * f)
    }

    /// The residual stream entering block `l` (l = L: the final stream).
    func stream(before l: Int) -> Pointer {
        resid.pointer + (l % residSlices) * rows * dim
    }

    deinit {
        tokens.deallocate()
        positions.deallocate()
        targets.deallocate()
    }
}
