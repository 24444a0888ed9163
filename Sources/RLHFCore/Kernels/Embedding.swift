/// Token embedding lookup.
public enum Embedding {
    /// out[N, C] = table[tokens[n], :]
    public static func forward(
        out: UnsafeMutablePointer<Float>, tokens: UnsafePointer<Int32>, table: UnsafePointer<Float>,
        rows n: Int, dim c: Int
    ) {
        for i in 0..<n {
            (out + i * c).update(from: table + Int(tokens[i]) * c, count: c)
        }
    }

    /// dtable[tokens[n], :] += dout[N, C]
    public static func backward(
        dtable: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, tokens: UnsafePointer<Int32>,
        rows n: Int, dim c: Int
    ) {
        for i in 0..<n {
            axpy(1, dout + i * c, dtable + Int(tokens[i]) * c, c)
        }
    }
}
