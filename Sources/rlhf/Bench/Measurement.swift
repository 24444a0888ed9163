import COpenBLAS
import Foundation
import RLHFCore

/// Timing and memory helpers for the benchmarks.
enum Measurement {
    /// Median wall-clock seconds of `repeats` runs of `body` after `warmup` untimed runs.
    static func median(repeats: Int, warmup: Int, _ body: () throws -> Void) rethrows -> Double {
        for _ in 0..<warmup { try body() }
        var times: [Double] = []
        for _ in 0..<max(repeats, 1) {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return times.sorted()[times.count / 2]
    }

    /// This machine's demonstrated single-precision matrix-multiply peak: the best of `repeats`
    /// 2048^3 sgemm runs, GFLOP/s (the best, not the median: MFU is measured against a peak).
    static func sgemmGFLOPS(repeats: Int) -> Double {
        let n = 2048
        let a = FloatBuffer(randomValues: n * n, seed: 1), b = FloatBuffer(randomValues: n * n, seed: 2)
        let c = FloatBuffer(count: n * n)
        var seconds = Double.infinity
        for run in 0...max(repeats, 5) {
            let start = DispatchTime.now().uptimeNanoseconds
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(n), Int32(n), 1,
                        a.pointer, Int32(n), b.pointer, Int32(n), 0, c.pointer, Int32(n))
            // Run 0 warms up.
            if run > 0 { seconds = min(seconds, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9) }
        }
        return 2 * Double(n * n * n) / seconds / 1e9
    }

    /// Resets the kernel's peak-RSS counter for this process (Linux), so that the next
    /// `peakRSSMegabytes()` covers only what follows.
    /// Returns the heap's freed memory to the system (glibc's `malloc_trim`), so that what a
    /// benchmark's own set-up allocated and freed (temporary models, the sgemm operands) stays
    /// out of the resident set measured after it.
    /// Looked up at run time: Swift's Glibc module does not export <malloc.h>.
    static func releaseFreedMemory() {
        typealias MallocTrim = @convention(c) (Int) -> Int32
        guard let symbol = dlsym(nil, "malloc_trim") else { return }
        _ = unsafeBitCast(symbol, to: MallocTrim.self)(0)
    }

    static func resetPeakRSS() {
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
    }

    /// Peak resident set size (VmHWM) in MB.
    static func peakRSSMegabytes() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return .nan }
        return kb / 1024
    }
}

extension FloatBuffer {
    /// A buffer of standard-normal values times `scale`.
    convenience init(randomValues count: Int, seed: UInt64, scale: Float = 1) {
        self.init(count: count)
        var rng = RandomGenerator(seed: seed)
        for i in 0..<count { self[i] = scale * rng.nextGaussian() }
    }
}
