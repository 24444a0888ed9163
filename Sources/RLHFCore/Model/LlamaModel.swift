/// The Llama decoder: embedding, N blocks of (RMSNorm, GQA attention with RoPE, residual,
/// RMSNorm, SwiGLU MLP, residual), final RMSNorm and a head (LM or scalar).
///
/// All weights live in `parameters`, laid out by `layout`; `gradients` mirrors it. A pass is
/// `forward`, an objective from `LlamaModel+Objectives.swift`, then `backward`, which adds
/// into `gradients` (call `zeroGradients()` between optimiser steps).
public final class LlamaModel {
    public let config: ModelConfig
    public let layout: ParameterLayout
    public let parameters: FloatBuffer
    /// Gradient of the objectives' sum since the last `zeroGradients()`; allocated on first use.
    public private(set) lazy var gradients = FloatBuffer(count: layout.count)
    let rope: RoPE
    let attention: Attention
    /// The last forward pass's activations (what the objectives and `backward` read).
    var activations: Activations?
    /// Buffers kept per kind of pass, so that alternating scoring and training does not reallocate.
    private var trainingActivations: Activations?
    private var scoringActivations: Activations?
    /// The weights that `Matmul` runs on `SmallGemm`, transposed once per forward pass.
    private lazy var transposedWeights = TransposedWeights(layout: layout, headOffset: headOffset, headWidth: headWidth)

    /// A model with the given weights (a flat buffer laid out by `ParameterLayout(config:head:)`),
    /// or zero weights when `parameters` is nil.
    public init(config: ModelConfig, head: ModelHead = .languageModel, parameters: FloatBuffer? = nil) throws(ModelConfigError) {
        try config.validate()
        self.config = config
        layout = ParameterLayout(config: config, head: head)
        if let parameters, parameters.count != layout.count {
            throw .invalid("parameter buffer holds \(parameters.count) floats, the layout needs \(layout.count)")
        }
        self.parameters = parameters ?? FloatBuffer(count: layout.count)
        rope = RoPE(headDim: config.headDim, maxPositions: config.maxSeqLen, theta: config.ropeTheta)
        attention = Attention(config: config)
    }

    public var head: ModelHead { layout.head }

    public func zeroGradients() { gradients.zero() }

    /// Checks a batch against the vocabulary and `maxSeqLen`.
    public func validate(_ batch: TokenBatch) throws(ModelInputError) {
        if batch.seqLen > config.maxSeqLen {
            throw .sequenceTooLong(length: batch.seqLen, maxSeqLen: config.maxSeqLen)
        }
        if batch.tokens.count != batch.batchSize * batch.seqLen {
            throw .shapeMismatch("\(batch.tokens.count) tokens for B=\(batch.batchSize), T=\(batch.seqLen)")
        }
        for (i, token) in batch.tokens.enumerated() where token < 0 || Int(token) >= config.vocabSize {
            throw .tokenOutOfRange(token: token, index: i, vocabSize: config.vocabSize)
        }
    }

    func activations(for batch: TokenBatch, keepingEveryLayer: Bool) -> Activations {
        let cached = keepingEveryLayer ? trainingActivations : scoringActivations
        if let acts = cached, acts.batch == batch.batchSize, acts.time == batch.seqLen { return acts }
        // Release the old buffers first, so that peak memory holds one set of each kind.
        activations = nil
        if keepingEveryLayer { trainingActivations = nil } else { scoringActivations = nil }
        let acts = Activations(config: config, head: head, batch: batch.batchSize, time: batch.seqLen,
                               keepingEveryLayer: keepingEveryLayer)
        if keepingEveryLayer { trainingActivations = acts } else { scoringActivations = acts }
        return acts
    }

    /// Runs the model over `batch` and returns the head output: logits [B, T, V] for a
    /// language model, values [B, T] for a scalar head. The pointer is valid until the next pass.
    ///
    /// Pass `keepingActivationsForBackward: false` when only the outputs (and objectives such as
    /// `tokenLogProbs`) are needed, e.g. scoring: the pass then takes the sequences through the
    /// model a few at a time and reuses one layer's buffers for every layer and chunk, which is
    /// faster and smaller, and `backward` is not available after it.
    @discardableResult
    public func forward(
        _ batch: TokenBatch, keepingActivationsForBackward: Bool = true
    ) throws(ModelInputError) -> UnsafeMutableBufferPointer<Float> {
        try validate(batch)
        let a = activations(for: batch, keepingEveryLayer: keepingActivationsForBackward)
        activations = a
        let b = batch.batchSize, t = batch.seqLen, n = b * t
        batch.tokens.withUnsafeBufferPointer { a.tokens.update(from: $0.baseAddress!, count: n) }
        transposedWeights.refresh(from: parameters.pointer)
        // Chunks of equal size (within one sequence), so that a short last chunk does not
        // fall to the few-row kernel of `Matmul` and round differently from the others.
        let chunks = (b + a.chunkSequences - 1) / a.chunkSequences
        for k in 0..<chunks {
            let first = k * b / chunks
            forwardChunk(a, firstSequence: first, sequences: (k + 1) * b / chunks - first)
        }
        return UnsafeMutableBufferPointer(start: a.output.pointer, count: n * headWidth)
    }

    /// Runs sequences [first, first + sequences) of the batch through every block, the final
    /// norm and the head, whose output lands in those sequences' rows of `a.output`.
    private func forwardChunk(_ a: Activations, firstSequence first: Int, sequences b: Int) {
        let t = a.time, n = b * t, row0 = first * t
        let c = config.dim, f = config.hiddenDim, s3 = attention.qkvWidth
        let p = parameters.pointer, transposed = transposedWeights
        Embedding.forward(out: a.stream(before: 0), tokens: a.tokens + row0, table: p + layout.embedding, rows: n, dim: c)
        for (l, w) in layout.layers.enumerated() {
            let (x, norm1, rstd1, qkv, rowStats, atty, mid, norm2, rstd2, gateUp, hidden) = a.layer(l)
            let next = a.stream(before: l + 1)

            RMSNorm.forward(out: norm1, rstd: rstd1, inp: x, weight: p + w.attentionNorm, rows: n, dim: c, eps: config.normEps)
            // wq, wk, wv are adjacent in the buffer: one product gives q|k|v per row.
            Matmul.forward(out: qkv, inp: norm1, weight: p + w.wq, transposed: transposed.transposed(at: w.wq),
                           rows: n, inDim: c, outDim: s3)
            // Chunks start at a sequence, so positions repeat the first sequences' ones.
            rope.forward(qkv, rows: n, heads: config.nHeads + config.nKVHeads, stride: s3, positions: a.positions)
            attention.forward(out: atty, probs: a.probs.pointer, rowStats: rowStats, heads: a.attentionHeads.pointer,
                              qkv: qkv, batch: b, time: t)
            if mid != x { mid.update(from: x, count: n * c) }
            Matmul.forward(out: mid, inp: atty, weight: p + w.wo, transposed: transposed.transposed(at: w.wo), rows: n,
                           inDim: c, outDim: c, accumulate: true)

            RMSNorm.forward(out: norm2, rstd: rstd2, inp: mid, weight: p + w.ffnNorm, rows: n, dim: c, eps: config.normEps)
            if next != mid { next.update(from: mid, count: n * c) }
            // gate and up are adjacent too. With both products on SmallGemm, a block of rows at
            // a time, so that its gate, up and hidden rows stay in L2 from one op to the next.
            let gateT = transposed.transposed(at: w.gate), downT = transposed.transposed(at: w.down)
            let blocks = gateT != nil && downT != nil ? Self.feedForwardBlocks(rows: n) : 1
            for k in 0..<blocks {
                let (r0, rows) = Self.feedForwardBlock(k, of: blocks, rows: n)
                let gu = gateUp + r0 * 2 * f, h = hidden + r0 * f
                Matmul.forward(out: gu, inp: norm2 + r0 * c, weight: p + w.gate, transposed: gateT, rows: rows, inDim: c,
                               outDim: 2 * f)
                SwiGLU.forward(out: h, gateUp: gu, rows: rows, hidden: f)
                Matmul.forward(out: next + r0 * c, inp: h, weight: p + w.down, transposed: downT, rows: rows, inDim: f,
                               outDim: c, accumulate: true)
            }
        }
        let last = a.stream(before: config.nLayers)
        RMSNorm.forward(out: a.finalNorm.pointer, rstd: a.finalRstd.pointer, inp: last, weight: p + layout.finalNorm,
                        rows: n, dim: c, eps: config.normEps)
        Matmul.forward(out: a.output.pointer + row0 * headWidth, inp: a.finalNorm.pointer, weight: p + headOffset,
                       transposed: transposed.transposed(at: headOffset), rows: n, inDim: c, outDim: headWidth)
    }

    /// Rows per block of the feed-forward's blocked ops: a block's gate, up and hidden rows stay
    /// in L2 between the products and SwiGLU (small: 96 rows are 400 KB, beside 540 KB of
    /// weights). Two of `SmallGemm`'s 48-row blocks, so that no product ends on a sliver of rows.
    public static let feedForwardBlockRows = 96

    /// How many blocks `feedForwardBlock` splits `rows` rows into.
    public static func feedForwardBlocks(rows n: Int) -> Int { max(1, n / feedForwardBlockRows) }

    /// The first row and the row count of block `k`: `feedForwardBlockRows` each, the last one
    /// taking the rest too (96 to 191 rows), so that none falls to `SkinnyMatmul`'s few rows.
    static func feedForwardBlock(_ k: Int, of blocks: Int, rows n: Int) -> (first: Int, count: Int) {
        let first = k * feedForwardBlockRows
        return (first, k == blocks - 1 ? n - first : feedForwardBlockRows)
    }

    /// Whole sequences per block of the attention's blocked ops: at least `feedForwardBlockRows`
    /// rows (small's 128-token sequences one at a time, PPO's 48-token ones two).
    static func sequencesPerBlock(time t: Int) -> Int {
        max(1, (feedForwardBlockRows + t - 1) / max(t, 1))
    }

    var headOffset: Int { layout.lmHead ?? layout.score! }
    var headWidth: Int { head == .languageModel ? config.vocabSize : 1 }

    /// Backpropagates the gradient that an objective left in the head-output buffer
    /// (dlogits [B, T, V] or dvalues [B, T]) and adds the parameter gradients into `gradients`.
    func backward() {
        guard let a = activations, a.keepsEveryLayer else {
            preconditionFailure("backward() needs a forward pass that kept its activations for backward")
        }
        let b = a.batch, t = a.time, n = a.rows
        let c = config.dim, f = config.hiddenDim, s3 = attention.qkvWidth
        let p = parameters.pointer, g = gradients.pointer
        let dresid = a.dresid.pointer, dnorm = a.dnorm.pointer

        Matmul.backward(dinp: dnorm, dweight: g + headOffset, dout: a.output.pointer, inp: a.finalNorm.pointer,
                        weight: p + headOffset, rows: n, inDim: c, outDim: headWidth, accumulateInput: false)
        a.dresid.zero()
        RMSNorm.backward(dinp: dresid, dweight: g + layout.finalNorm, dout: dnorm,
                         inp: a.stream(before: config.nLayers), weight: p + layout.finalNorm,
                         rstd: a.finalRstd.pointer, rows: n, dim: c)

        for (l, w) in layout.layers.enumerated().reversed() {
            let (x, norm1, rstd1, qkv, _, atty, mid, norm2, rstd2, gateUp, hidden) = a.layer(l)

            // dresid is the gradient w.r.t. this block's output; it flows unchanged through
            // both residual adds, and each branch adds its own input gradient to it.
            // With every product of the feed-forward's backward on SmallGemm, the whole of it goes
            // a block of rows at a time: the block's dhidden and dgate|up (the first rows of
            // `dhidden` and `dgateUp`, reused) pass from op to op in cache, never through memory.
            let blocks = Matmul.backwardRunsOnSmallGemm(inDim: f, outDim: c)
                && Matmul.backwardRunsOnSmallGemm(inDim: c, outDim: 2 * f) ? Self.feedForwardBlocks(rows: n) : 1
            for k in 0..<blocks {
                let (r0, rows) = Self.feedForwardBlock(k, of: blocks, rows: n)
                let dy = dresid + r0 * c, dn = dnorm + r0 * c, dh = a.dhidden.pointer, dgu = a.dgateUp.pointer
                Matmul.backward(dinp: dh, dweight: g + w.down, dout: dy, inp: hidden + r0 * f, weight: p + w.down,
                                rows: rows, inDim: f, outDim: c, accumulateInput: false)
                SwiGLU.backward(dgateUp: dgu, dout: dh, gateUp: gateUp + r0 * 2 * f, rows: rows, hidden: f)
                Matmul.backward(dinp: dn, dweight: g + w.gate, dout: dgu, inp: norm2 + r0 * c, weight: p + w.gate,
                                rows: rows, inDim: c, outDim: 2 * f, accumulateInput: false)
                RMSNorm.backward(dinp: dy, dweight: g + w.ffnNorm, dout: dn, inp: mid + r0 * c, weight: p + w.ffnNorm,
                                 rstd: rstd2 + r0, rows: rows, dim: c)
            }

            // Likewise the attention's half, by blocks of whole sequences (attention mixes a
            // sequence's rows): datty and dqkv (their first rows, reused) stay in cache.
            let sequencesPerBlock = Matmul.backwardRunsOnSmallGemm(inDim: c, outDim: c)
                && Matmul.backwardRunsOnSmallGemm(inDim: c, outDim: s3) ? Self.sequencesPerBlock(time: t) : b
            for s0 in stride(from: 0, to: b, by: sequencesPerBlock) {
                let sequences = min(sequencesPerBlock, b - s0), r0 = s0 * t, rows = sequences * t
                let dy = dresid + r0 * c, dn = dnorm + r0 * c, datty = a.datty.pointer, dqkv = a.dqkv.pointer
                Matmul.backward(dinp: datty, dweight: g + w.wo, dout: dy, inp: atty + r0 * c, weight: p + w.wo,
                                rows: rows, inDim: c, outDim: c, accumulateInput: false)
                attention.backward(dqkv: dqkv, probs: a.probs.pointer, scratch: a.dprobs.pointer,
                                   rowStats: a.attentionRowStats(l) + s0 * config.nHeads * t * 2,
                                   heads: a.attentionHeads.pointer, dout: datty, qkv: qkv + r0 * s3, batch: sequences, time: t)
                rope.backward(dqkv, rows: rows, heads: config.nHeads + config.nKVHeads, stride: s3,
                              positions: a.positions + r0)
                Matmul.backward(dinp: dn, dweight: g + w.wq, dout: dqkv, inp: norm1 + r0 * c, weight: p + w.wq,
                                rows: rows, inDim: c, outDim: s3, accumulateInput: false)
                RMSNorm.backward(dinp: dy, dweight: g + w.attentionNorm, dout: dn, inp: x + r0 * c,
                                 weight: p + w.attentionNorm, rstd: rstd1 + r0, rows: rows, dim: c)
            }
        }
        Embedding.backward(dtable: g + layout.embedding, dout: dresid, tokens: a.tokens, rows: n, dim: c)
    }
}
