/// Keys and values of every position generated so far, per layer, sequence and KV head:
/// k, v [L, S, NKV, maxLen, HS]. Each sequence has its own positions, so prompts of different
/// lengths need no padding; each head's positions are contiguous, so attention reads them as
/// one sequential stream (with positions outermost, a head's slice was 1 in 8 cache lines).
public final class KVCache {
    public let sequences: Int
    public let maxLength: Int
    let kvHeads: Int
    let headDim: Int
    let keys: FloatBuffer
    let values: FloatBuffer

    public init(config: ModelConfig, sequences: Int, maxLength: Int) {
        self.sequences = sequences
        self.maxLength = maxLength
        kvHeads = config.nKVHeads
        headDim = config.headDim
        keys = FloatBuffer(count: config.nLayers * sequences * maxLength * config.kvDim)
        values = FloatBuffer(count: config.nLayers * sequences * maxLength * config.kvDim)
    }

    /// Offset of (layer, sequence, KV head, position) in `keys` and `values`.
    @inline(__always)
    func offset(layer: Int, sequence: Int, head: Int, position: Int) -> Int {
        (((layer * sequences + sequence) * kvHeads + head) * maxLength + position) * headDim
    }
}
