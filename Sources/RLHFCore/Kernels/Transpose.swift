import CWideKernels

/// The transpose of a strided matrix: the linear layers' weights for `SmallGemm`, and
/// attention's head blocks, whose rows sit `S3` floats apart in the qkv rows.
///
/// On AVX-512 it gathers 16 rows per column, so that every store fills a line (small training
/// spent ~4% of its step in these copies lane by lane); elsewhere a scalar loop.
public enum Transpose {
    /// out[k * outStride + o] = inp[o * inStride + k]   for o < rows, k < columns;
    /// inp[rows, columns] (rows `inStride` floats apart), out[columns, outColumns] (rows
    /// `outStride` apart), zeros in columns rows..<outColumns (outColumns >= rows).
    public static func forward(
        _ inp: UnsafePointer<Float>, rows: Int, columns: Int, inStride: Int,
        into out: UnsafeMutablePointer<Float>, outStride: Int, outColumns: Int
    ) {
        if wideKernels {
            rlhf_wide_transpose(inp, rows, columns, inStride, out, outStride, outColumns)
            return
        }
        // Row by row of the output: contiguous stores, strided loads (a store that misses costs more).
        for k in 0..<columns {
            let column = inp + k, row = out + k * outStride
            for o in 0..<rows { row[o] = column[o * inStride] }
            for o in rows..<outColumns { row[o] = 0 }
        }
    }
}
