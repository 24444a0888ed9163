import CPrefetch
import CWideKernels

/// A register-blocked product for the small blocks of attention, where `sgemm` spends more
/// time packing its operands and on call overhead than on the arithmetic (a head's block of
/// query rows against its keys: M a few dozen, K or N the head dim, 8 to 64), and, on
/// AVX-512, for the narrow linear layers (`Matmul`, C <= 128), where sgemm's packing costs
/// more than it saves too.
///
///     C[M, N] = alpha * A[M, K] B[K, N]   (+ C[M, N] when accumulating)
///
/// A is read through a row stride and a column stride, so a transposed operand (P^T, dS^T) is
/// a stride swap and needs no copy; B's rows and C's rows are contiguous, `ldb` and `ldc`
/// floats apart. Strips of 16 columns go in tiles of 6 rows (12 accumulators: 2 loads and
/// 6 broadcasts per 12 FMAs); a strip of 8 or fewer columns goes in tiles of 12 rows, so that
/// a head dim of 8 still keeps 12 independent FMA chains. A last tile of fewer rows recomputes
/// its last row instead of branching; columns past a multiple of 8 are loaded and stored lane
/// by lane (nothing outside A, B or C is read or written).
public enum SmallGemm {
    /// Rows of the tiles of the 16-column strips and of the narrower strips.
    static let wideTileRows = 6, narrowTileRows = 12
    /// Rows of B (columns of A) per pass over C: 64 rows of a 64-wide head are 16 KB. (The
    /// AVX-512 version takes 128, and 64 for decoding's prefetched panels: `DEPTH_CHUNK`.)
    static let depthChunk = 64

    /// C[M, N] = alpha * A[M, K] B[K, N] (+ C when `accumulate`), where A[i, k] is
    /// `a[i * aRowStride + k * aColumnStride]`, B[k, j] is `b[k * ldb + j]` and C[i, j] is
    /// `c[i * ldc + j]`. `prefetchRows` > 0 asks for row k + `prefetchRows` of B while the
    /// wide tiles read row k: for a B streamed from L3 (decoding's weight panels), whose
    /// every chunk the hardware prefetcher would otherwise start late.
    public static func multiply(
        m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, aRowStride: Int, aColumnStride: Int,
        b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool, prefetchRows: Int = 0
    ) {
        if wideKernels {
            rlhf_wide_small_gemm(m, n, k, alpha, a, aRowStride, aColumnStride, b, ldb, c, ldc,
                                 accumulate ? 1 : 0, prefetchRows * ldb)
            return
        }
        multiply8(m: m, n: n, k: k, alpha: alpha, a: a, aRowStride: aRowStride, aColumnStride: aColumnStride,
                  b: b, ldb: ldb, c: c, ldc: ldc, accumulate: accumulate, prefetchRows: prefetchRows)
    }

    /// `multiply` on SIMD8 vectors, where the AVX-512 version (`CWideKernels`) does not run.
    static func multiply8(
        m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, aRowStride: Int, aColumnStride: Int,
        b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool, prefetchRows: Int = 0
    ) {
        // K in chunks, so that a chunk's rows of A and B stay in L1 while the tiles and strips
        // reread them; the chunks after the first add to C.
        var k0 = 0
        repeat {
            let depth = min(depthChunk, k - k0)
            let operands = Operands(a: a + k0 * aColumnStride, aRowStride: aRowStride, aColumnStride: aColumnStride,
                                    b: b + k0 * ldb, ldb: ldb, c: c, ldc: ldc, k: depth, alpha: alpha,
                                    accumulate: accumulate || k0 > 0, prefetchOffset: prefetchRows * ldb)
            operands.multiply(m: m, n: n)
            k0 += depth
        } while k0 < k
    }

    /// How a tile loads and stores the 8 lanes of a strip of B or C: a protocol rather than
    /// closures, so that each kind is specialised into the tile's loop, not called through.
    protocol StripLanes {
        func load(_ p: UnsafePointer<Float>) -> SIMD8<Float>
        func store(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>)
    }

    /// A strip 8 columns wide: plain vector loads and stores.
    struct FullStrip: StripLanes {
        @inline(__always) func load(_ p: UnsafePointer<Float>) -> SIMD8<Float> { load8(p) }
        @inline(__always) func store(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) { store8(v, p) }
    }

    /// The last strip, fewer than 8 columns wide: lane by lane.
    struct PartialStrip: StripLanes {
        let width: Int
        @inline(__always) func load(_ p: UnsafePointer<Float>) -> SIMD8<Float> { loadPrefix(p, width) }
        @inline(__always) func store(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) { storePrefix(v, p, width) }
    }

    /// The operands of one product, shared by its tiles.
    struct Operands {
        let a: UnsafePointer<Float>, aRowStride: Int, aColumnStride: Int
        let b: UnsafePointer<Float>, ldb: Int
        let c: UnsafeMutablePointer<Float>, ldc: Int
        let k: Int, alpha: Float, accumulate: Bool
        /// Floats ahead of the current row of B to prefetch (0: the row itself, no effect).
        let prefetchOffset: Int

        /// The whole product, strip by strip.
        func multiply(m: Int, n: Int) {
            let wideTileRows = SmallGemm.wideTileRows, narrowTileRows = SmallGemm.narrowTileRows
            var j0 = 0
            while n - j0 >= 16 {
                for i0 in stride(from: 0, to: m, by: wideTileRows) {
                    wideTile(row: i0, rows: min(wideTileRows, m - i0), column: j0)
                }
                j0 += 16
            }
            while j0 < n {
                let width = min(8, n - j0)
                for i0 in stride(from: 0, to: m, by: narrowTileRows) {
                    let rows = min(narrowTileRows, m - i0)
                    if width == 8 {
                        narrowTile(row: i0, rows: rows, column: j0, lanes: FullStrip())
                    } else {
                        narrowTile(row: i0, rows: rows, column: j0, lanes: PartialStrip(width: width))
                    }
                }
                j0 += width
            }
        }

        /// Row `row + r` of A, or its last row `rows - 1` where the tile runs past M.
        @inline(__always)
        func aRow(_ row: Int, _ r: Int, _ rows: Int) -> UnsafePointer<Float> {
            a + (row + min(r, rows - 1)) * aRowStride
        }

        /// Writes alpha * acc into C's row `row` at `column`, adding to what is there when accumulating.
        @inline(__always)
        func write<Lanes: StripLanes>(_ acc: SIMD8<Float>, row: Int, column: Int, lanes: Lanes) {
            let y = c + row * ldc + column
            lanes.store(accumulate ? lanes.load(y).addingProduct(alpha, acc) : alpha * acc, y)
        }

        /// C[row..<row+rows, column..<column+16], rows <= 6.
        @inline(__always)
        func wideTile(row: Int, rows: Int, column: Int) {
            let a0 = aRow(row, 0, rows), a1 = aRow(row, 1, rows), a2 = aRow(row, 2, rows)
            let a3 = aRow(row, 3, rows), a4 = aRow(row, 4, rows), a5 = aRow(row, 5, rows)
            var c00 = SIMD8<Float>(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00
            var c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00
            var bk = b + column, ak = 0
            for _ in 0..<k {
                rlhf_prefetch(bk + prefetchOffset)
                let b0 = load8(bk), b1 = load8(bk + 8)
                var s = SIMD8<Float>(repeating: a0[ak]); c00.addProduct(b0, s); c01.addProduct(b1, s)
                s = SIMD8<Float>(repeating: a1[ak]); c10.addProduct(b0, s); c11.addProduct(b1, s)
                s = SIMD8<Float>(repeating: a2[ak]); c20.addProduct(b0, s); c21.addProduct(b1, s)
                s = SIMD8<Float>(repeating: a3[ak]); c30.addProduct(b0, s); c31.addProduct(b1, s)
                s = SIMD8<Float>(repeating: a4[ak]); c40.addProduct(b0, s); c41.addProduct(b1, s)
                s = SIMD8<Float>(repeating: a5[ak]); c50.addProduct(b0, s); c51.addProduct(b1, s)
                bk += ldb
                ak += aColumnStride
            }
            // Row by row with early exits: an array of the accumulators would be allocated.
            @inline(__always) func put(_ r: Int, _ low: SIMD8<Float>, _ high: SIMD8<Float>) {
                write(low, row: row + r, column: column, lanes: FullStrip())
                write(high, row: row + r, column: column + 8, lanes: FullStrip())
            }
            put(0, c00, c01)
            guard rows > 1 else { return }; put(1, c10, c11)
            guard rows > 2 else { return }; put(2, c20, c21)
            guard rows > 3 else { return }; put(3, c30, c31)
            guard rows > 4 else { return }; put(4, c40, c41)
            guard rows > 5 else { return }; put(5, c50, c51)
        }

        /// C[row..<row+rows, column..<column+8 or fewer], rows <= 12; `lanes` moves the strip's columns.
        @inline(__always)
        func narrowTile<Lanes: StripLanes>(row: Int, rows: Int, column: Int, lanes: Lanes) {
            let a0 = aRow(row, 0, rows), a1 = aRow(row, 1, rows), a2 = aRow(row, 2, rows)
            let a3 = aRow(row, 3, rows), a4 = aRow(row, 4, rows), a5 = aRow(row, 5, rows)
            let a6 = aRow(row, 6, rows), a7 = aRow(row, 7, rows), a8 = aRow(row, 8, rows)
            let a9 = aRow(row, 9, rows), a10 = aRow(row, 10, rows), a11 = aRow(row, 11, rows)
            var c0 = SIMD8<Float>(), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0
            var c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0
            var bk = b + column, ak = 0
            for _ in 0..<k {
                let bv = lanes.load(bk)
                c0.addProduct(bv, SIMD8(repeating: a0[ak])); c1.addProduct(bv, SIMD8(repeating: a1[ak]))
                c2.addProduct(bv, SIMD8(repeating: a2[ak])); c3.addProduct(bv, SIMD8(repeating: a3[ak]))
                c4.addProduct(bv, SIMD8(repeating: a4[ak])); c5.addProduct(bv, SIMD8(repeating: a5[ak]))
                c6.addProduct(bv, SIMD8(repeating: a6[ak])); c7.addProduct(bv, SIMD8(repeating: a7[ak]))
                c8.addProduct(bv, SIMD8(repeating: a8[ak])); c9.addProduct(bv, SIMD8(repeating: a9[ak]))
                c10.addProduct(bv, SIMD8(repeating: a10[ak])); c11.addProduct(bv, SIMD8(repeating: a11[ak]))
                bk += ldb
                ak += aColumnStride
            }
            @inline(__always) func put(_ r: Int, _ acc: SIMD8<Float>) {
                write(acc, row: row + r, column: column, lanes: lanes)
            }
            put(0, c0)
            guard rows > 1 else { return }; put(1, c1)
            guard rows > 2 else { return }; put(2, c2)
            guard rows > 3 else { return }; put(3, c3)
            guard rows > 4 else { return }; put(4, c4)
            guard rows > 5 else { return }; put(5, c5)
            guard rows > 6 else { return }; put(6, c6)
            guard rows > 7 else { return }; put(7, c7)
            guard rows > 8 else { return }; put(8, c8)
            guard rows > 9 else { return }; put(9, c9)
            guard rows > 10 else { return }; put(10, c10)
            guard rows > 11 else { return }; put(11, c11)
        }
    }
}
