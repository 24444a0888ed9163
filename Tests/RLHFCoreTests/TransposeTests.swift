import Testing
import RLHFCore

/// The strided transpose against an index-by-index reference: sizes that are not multiples of
/// its 16 gathered rows, padded input rows, output rows with zero columns past the input's rows
/// and a sentinel past `outColumns` that must survive (attention writes a head into the middle of
/// the qkv rows). On an AVX-512 CPU this tests the gathering version; `scripts/test` reruns the
/// suite with `RLHF_WIDE_KERNELS=0` for the scalar loop.
@Suite struct TransposeTests {
    @Test(arguments: [(1, 1, 0), (5, 3, 0), (16, 32, 0), (17, 33, 15), (40, 8, 8), (128, 32, 0), (32, 128, 0), (3, 70, 29)])
    func matchesReference(rows: Int, columns: Int, padding: Int) {
        let inStride = columns + 3, outColumns = rows + padding, outStride = outColumns + 5
        let sentinel: Float = -7
        let inp = randomArray(rows * inStride, seed: 4)
        var out = [Float](repeating: sentinel, count: columns * outStride)
        inp.withUnsafeBufferPointer { pi in
            out.withUnsafeMutableBufferPointer { po in
                Transpose.forward(pi.baseAddress!, rows: rows, columns: columns, inStride: inStride,
                                  into: po.baseAddress!, outStride: outStride, outColumns: outColumns)
            }
        }
        for k in 0..<columns {
            for o in 0..<outStride {
                let value = out[k * outStride + o]
                if o < rows {
                    #expect(value == inp[o * inStride + k], "\(rows) x \(columns): out[\(k), \(o)]")
                } else if o < outColumns {
                    #expect(value == 0, "\(rows) x \(columns): padding out[\(k), \(o)] is \(value), not 0")
                } else {
                    #expect(value == sentinel, "\(rows) x \(columns): out[\(k), \(o)] past outColumns was written")
                }
            }
        }
    }
}
