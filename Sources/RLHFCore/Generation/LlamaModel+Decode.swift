/// The cached forward pass used by generation: new rows read and extend a `KVCache` instead of
/// recomputing the prefix, and only the rows that need a next token go through the LM head.
extension LlamaModel {
    /// Runs `rows` rows already placed in `ws` (token, sequence, position each) through the
    /// model, storing their keys and values in `cache`, and writes logits [outputRows.count, V]
    /// for the rows listed in `outputRows` into `ws.logits`. `packed` holds this model's weights.
    func decode(rows r: Int, outputRows: UnsafeBufferPointer<Int>, cache: KVCache, packed: DecodeWeights,
                workspace ws: DecodeWorkspace) {
        let c = config.dim, f = config.hiddenDim, s3 = attention.qkvWidth, kv = config.kvDim
        let hs = config.headDim, group = config.queriesPerKVHead
        let scale = 1 / Float(hs).squareRoot()
        let p = parameters.pointer
        let x = ws.x.pointer, norm = ws.norm.pointer, qkv = ws.qkv.pointer, atty = ws.atty.pointer
        let scores = ws.scores.pointer

        Embedding.forward(out: x, tokens: ws.tokens, table: p + layout.embedding, rows: r, dim: c)
        for (l, (w, pw)) in zip(layout.layers, packed.layers).enumerated() {
            RMSNorm.forward(out: norm, rstd: ws.rstd.pointer, inp: x, weight: p + w.attentionNorm, rows: r, dim: c, eps: config.normEps)
            linear(out: qkv, inp: norm, packed: pw.qkv, weight: p + w.wq, rows: r)
            rope.forward(qkv, rows: r, heads: config.nHeads + config.nKVHeads, stride: s3, positions: ws.positions)
            for i in 0..<r {
                let k = qkv + i * s3 + c, v = k + kv
                for g in 0..<config.nKVHeads {
                    let slot = cache.offset(layer: l, sequence: Int(ws.sequence[i]), head: g, position: Int(ws.positions[i]))
                    (cache.keys.pointer + slot).update(from: k + g * hs, count: hs)
                    (cache.values.pointer + slot).update(from: v + g * hs, count: hs)
                }
            }
            // Row i attends to positions 0...pos of its own sequence (including rows of this call).
            // `next` is the cache block of the head after this one, which the loops prefetch.
            @inline(__always) func block(_ i: Int, _ h: Int) -> Int {
                cache.offset(layer: l, sequence: Int(ws.sequence[i]), head: h / group, position: 0)
            }
            for i in 0..<r {
                let count = Int(ws.positions[i]) + 1
                let q = qkv + i * s3, y = atty + i * c
                for h in 0..<config.nHeads {
                    let slot = block(i, h)
                    let next = h + 1 < config.nHeads ? block(i, h + 1) : i + 1 < r ? block(i + 1, 0) : slot
                    CachedAttention.scores(scores, query: q + h * hs, keys: cache.keys.pointer + slot, count: count,
                                           headDim: hs, upcoming: cache.keys.pointer + next)
                    let m = maxOf(scores, count)
                    let inv = 1 / expShifted(scores, scores, count, scale: scale, shift: m * scale)
                    CachedAttention.weightedSum(y + h * hs, weights: scores, values: cache.values.pointer + slot,
                                                count: count, headDim: hs, scale: inv,
                                                upcoming: cache.values.pointer + next)
                }
            }
            linear(out: x, inp: atty, packed: pw.output, weight: p + w.wo, rows: r, accumulate: true)
            RMSNorm.forward(out: norm, rstd: ws.rstd.pointer, inp: x, weight: p + w.ffnNorm, rows: r, dim: c, eps: config.normEps)
            linear(out: ws.gateUp.pointer, inp: norm, packed: pw.gateUp, weight: p + w.gate, rows: r)
            SwiGLU.forward(out: ws.hidden.pointer, gateUp: ws.gateUp.pointer, rows: r, hidden: f)
            linear(out: x, inp: ws.hidden.pointer, packed: pw.down, weight: p + w.down, rows: r, accumulate: true)
        }
        for (j, row) in outputRows.enumerated() {
            (ws.lastRows.pointer + j * c).update(from: x + row * c, count: c)
        }
        let k = outputRows.count
        RMSNorm.forward(out: ws.lastRows.pointer, rstd: ws.rstd.pointer, inp: ws.lastRows.pointer, weight: p + layout.finalNorm,
                        rows: k, dim: c, eps: config.normEps)
        linear(out: ws.logits.pointer, inp: ws.lastRows.pointer, packed: packed.head, weight: p + headOffset, rows: k)
    }

    /// out = inp @ weight^T: the packed kernel for decoding steps, sgemm for a prefill too large for it.
    private func linear(
        out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, packed: PanelMatrix, weight: UnsafePointer<Float>,
        rows r: Int, accumulate: Bool = false
    ) {
        if r <= PanelMatmul.maxRows {
            PanelMatmul.forward(out: out, inp: inp, weight: packed, rows: r, accumulate: accumulate)
        } else {
            Matmul.forward(out: out, inp: inp, weight: weight, rows: r, inDim: packed.inDim, outDim: packed.outDim,
                           accumulate: accumulate)
        }
    }
}
