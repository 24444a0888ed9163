/// Preallocated buffers for the cached forward pass over up to `capacity` rows, where each row
/// is one token of one sequence at one position.
final class DecodeWorkspace {
    let capacity: Int
    let tokens: UnsafeMutablePointer<Int32>
    let sequence: UnsafeMutablePointer<Int32>
    let positions: UnsafeMutablePointer<Int32>
    let x: FloatBuffer         // [R, C] residual stream
    let norm: FloatBuffer      // [R, C]
    let rstd: FloatBuffer      // [R]
    let qkv: FloatBuffer       // [R, S3]
    let atty: FloatBuffer      // [R, C]
    let gateUp: FloatBuffer    // [R, 2F]
    let hidden: FloatBuffer    // [R, F]
    let scores: FloatBuffer    // [maxLength] one head's attention weights
    let lastRows: FloatBuffer  // [S, C] hidden state of the rows that need logits
    let logits: FloatBuffer    // [S, V]

    init(config: ModelConfig, capacity: Int, sequences: Int, maxLength: Int, headWidth: Int) {
        self.capacity = capacity
        let c = config.dim, f = config.hiddenDim, s3 = config.dim + 2 * config.kvDim
        tokens = .allocate(capacity: capacity)
        sequence = .allocate(capacity: capacity)
        positions = .allocate(capacity: capacity)
        x = FloatBuffer(count: capacity * c)
        norm = FloatBuffer(count: capacity * c)
        rstd = FloatBuffer(count: capacity)
        qkv = FloatBuffer(count: capacity * s3)
        atty = FloatBuffer(count: capacity * c)
        gateUp = FloatBuffer(count: capacity * 2 * f)
        hidden = FloatBuffer(count: capacity * f)
        scores = FloatBuffer(count: maxLength)
        lastRows = FloatBuffer(count: sequences * c)
        logits = FloatBuffer(count: sequences * headWidth)
    }

    deinit {
        tokens.deallocate()
        sequence.deallocate()
        positions.deallocate()
    }
}
