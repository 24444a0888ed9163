/// The cached forward pass used by generation: new rows read and extend a `KVCache` instead of
/// recomputing the prefix, and only the rows that need a next token go through the LM head.
extension LlamaModel {
    /// Runs `rows` rows already placed in `ws` (token, sequence, position each) through the
    /// model, storing their keys and values in `cache`, and writes logits [outputRows.count, V]
    /// for the rows listed in `outputRows` into `ws.logits`.
    func decode(rows r: Int, outputRows: UnsafeBufferPointer<Int>, cache: KVCache, workspace ws: DecodeWorkspace) {
        let c = config.dim, f = config.hiddenDim, s3 = attention.qkvWidth, kv = config.kvDim
        let hs = config.headDim, group = config.queriesPerKVHead
        let scale = 1 / Float(hs).squareRoot()
        let p = parameters.pointer
        let x = ws.x.pointer, norm = ws.norm.pointer, qkv = ws.qkv.pointer, atty = ws.atty.pointer
        let scores = ws.scores.pointer

        Embedding.forward(out: x, tokens: ws.tokens, table: p + layout.embedding, rows: r, dim: c)
        for (l, w) in layout.layers.enumerated() {
            RMSNorm.forward(out: norm, rstd: ws.rstd.pointer, inp: x, weight: p + w.attentionNorm, rows: r, dim: c, eps: config.normEps)
            Matmul.forward(out: qkv, inp: norm, weight: p + w.wq, rows: r, inDim: c, outDim: s3)
            rope.forward(qkv, rows: r, heads: config.nHeads + config.nKVHeads, stride: s3, positions: ws.positions)
            for i in 0..<r {
                let slot = cache.offset(layer: l, sequence: Int(ws.sequence[i]), position: Int(ws.positions[i]))
                (cache.keys.pointer + slot).update(from: qkv + i * s3 + c, count: kv)
                (cache.values.pointer + slot).update(from: qkv + i * s3 + c + kv, count: kv)
            }
            // Row i attends to positions 0...pos of its own sequence (including rows of this call).
            for i in 0..<r {
                let count = Int(ws.positions[i]) + 1
                let keys = cache.keys.pointer + cache.offset(layer: l, sequence: Int(ws.sequence[i]), position: 0)
                let values = cache.values.pointer + cache.offset(layer: l, sequence: Int(ws.sequence[i]), position: 0)
                let q = qkv + i * s3, y = atty + i * c
                for h in 0..<config.nHeads {
                    let kvHead = (h / group) * hs
                    CachedAttention.scores(scores, query: q + h * hs, keys: keys + kvHead, kvStride: kv, count: count, headDim: hs)
                    let m = maxOf(scores, count)
                    let inv = 1 / expShifted(scores, scores, count, scale: scale, shift: m * scale)
                    for t in 0..<count { scores[t] *= inv }
                    CachedAttention.weightedSum(y + h * hs, weights: scores, values: values + kvHead, kvStride: kv,
                                                count: count, headDim: hs)
                }
            }
            Matmul.forward(out: x, inp: atty, weight: p + w.wo, rows: r, inDim: c, outDim: c, accumulate: true)
            RMSNorm.forward(out: norm, rstd: ws.rstd.pointer, inp: x, weight: p + w.ffnNorm, rows: r, dim: c, eps: config.normEps)
            Matmul.forward(out: ws.gateUp.pointer, inp: norm, weight: p + w.gate, rows: r, inDim: c, outDim: 2 * f)
            SwiGLU.forward(out: ws.hidden.pointer, gateUp: ws.gateUp.pointer, rows: r, hidden: f)
            Matmul.forward(out: x, inp: ws.hidden.pointer, weight: p + w.down, rows: r, inDim: f, outDim: c, accumulate: true)
        }
        for (j, row) in outputRows.enumerated() {
            (ws.lastRows.pointer + j * c).update(from: x + row * c, count: c)
        }
        let k = outputRows.count
        RMSNorm.forward(out: ws.lastRows.pointer, rstd: ws.rstd.pointer, inp: ws.lastRows.pointer, weight: p + layout.finalNorm,
                        rows: k, dim: c, eps: config.normEps)
        Matmul.forward(out: ws.logits.pointer, inp: ws.lastRows.pointer, weight: p + headOffset, rows: k, inDim: c, outDim: headWidth)
    }
}
