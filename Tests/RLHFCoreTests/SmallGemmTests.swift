import Testing
import RLHFCore

/// The attention micro-GEMM against a Double-precision reference: M, N and K that are not
/// multiples of its tiles (6 or 12 rows, 16 or 8 columns, and a partial last strip), K past
/// its depth chunks (64 rows; 128 in the 16-lane version), A read row-major and transposed (a
/// stride swap), padded leading dimensions, overwrite and accumulate. On an AVX-512 CPU this tests the 16-lane version
/// (`CWideKernels`: strips of 64 columns in 6-row tiles, of 32 in 8-row tiles, masked edges,
/// blocks of 48 rows when K <= 512 and none above); `scripts/test` reruns the suite with
/// `RLHF_WIDE_KERNELS=0` for the SIMD8 one.
@Suite struct SmallGemmTests {
    @Test(arguments: [(1, 1, 1), (5, 3, 7), (13, 8, 8), (7, 16, 9), (25, 37, 4), (12, 24, 33), (31, 64, 19), (6, 40, 0),
                      (10, 20, 150), (7, 8, 129), (9, 48, 70), (100, 64, 70), (53, 150, 33), (130, 83, 600)])
    func multiplyMatchesReference(m: Int, n: Int, k: Int) {
        let ldb = n + 3, ldc = n + 5, alpha: Float = 0.7
        let b = randomArray(max(k * ldb, 1), seed: 2), start = randomArray(m * ldc, seed: 3)
        // Row-major A with padded rows, and the same values stored transposed.
        let lda = k + 2
        let a = randomArray(m * lda, seed: 1)
        var aTransposed = [Float](repeating: 0, count: max(k * (m + 1), 1))
        for i in 0..<m { for kk in 0..<k { aTransposed[kk * (m + 1) + i] = a[i * lda + kk] } }
        for (operand, rowStride, columnStride) in [(a, lda, 1), (aTransposed, 1, m + 1)] {
            for accumulate in [false, true] {
                var c = start
                operand.withUnsafeBufferPointer { pa in
                    b.withUnsafeBufferPointer { pb in
                        c.withUnsafeMutableBufferPointer { pc in
                            SmallGemm.multiply(m: m, n: n, k: k, alpha: alpha, a: pa.baseAddress!, aRowStride: rowStride,
                                               aColumnStride: columnStride, b: pb.baseAddress!, ldb: ldb,
                                               c: pc.baseAddress!, ldc: ldc, accumulate: accumulate)
                        }
                    }
                }
                for i in 0..<m {
                    for j in 0..<ldc {
                        let index = i * ldc + j
                        guard j < n else {
                            #expect(c[index] == start[index], "padding of C row \(i) column \(j) was written")
                            continue
                        }
                        var sum = 0.0
                        for kk in 0..<k { sum += Double(a[i * lda + kk]) * Double(b[kk * ldb + j]) }
                        let expected = Double(alpha) * sum + (accumulate ? Double(start[index]) : 0)
                        #expect(abs(Double(c[index]) - expected) < 1e-4,
                                "m \(m) n \(n) k \(k) strides (\(rowStride), \(columnStride)) accumulate \(accumulate): [\(i), \(j)]")
                    }
                }
            }
        }
    }
}
