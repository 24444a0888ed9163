/// Keys and values of every position generated so far, per layer and sequence:
/// k, v [L, S, maxLen, NKV*HS]. Each sequence has its own positions, so prompts of different
/// lengths need no padding.
public final class KVCache {
    public let sequences: Int
    public let maxLength: Int
    let kvDim: Int
    let keys: FloatBuffer
    let values: FloatBuffer

    public init(config: ModelConfig, sequences: Int, maxLength: Int) {
        self.sequences = sequences
        self.maxLength = maxLength
        kvDim = config.kvDim
        keys = FloatBuffer(count: config.nLayers * sequences * maxLength * config.kvDim)
        values = FloatBuffer(count: config.nLayers * sequences * maxLength * config.kvDim)
    }

    /// Offset of (layer, sequence, position) in `keys` and `values`.
    @inline(__always)
    func offset(layer: Int, sequence: Int, position: Int) -> Int {
        ((layer * sequences + sequence) * maxLength + position) * kvDim
    }
}
