import COpenBLAS
import Foundation

/// The kernel set ("core") OpenBLAS runs in this process, and the repair for CPUs it is too old
/// to know.
///
/// A DYNAMIC_ARCH OpenBLAS picks its kernels once, when the library loads, from the CPU model
/// number. Debian 12's 0.3.21 does not know Intel models newer than it (Emerald Rapids, for one)
/// and falls back to its SSE3 "Prescott" kernels: sgemm then runs 5x below what the CPU does
/// with the AVX-512 kernels (measured on a Xeon of model 207: 26-30 GFLOP/s against 133-144 on
/// one thread). `OPENBLAS_CORETYPE` overrides the choice, but only before the library loads, so
/// the `rlhf` binary restarts itself with it set.
public enum OpenBLASCore {
    /// The name OpenBLAS gives the kernels it loaded, e.g. "Haswell" or "SkylakeX".
    public static var loaded: String { String(cString: openblas_get_corename()) }

    /// OpenBLAS kernel sets that use AVX2 or wider; any other on a CPU with AVX2 is a fallback.
    static let wideCores: Set<String> = ["haswell", "zen", "excavator", "skylakex", "cooperlake", "sapphirerapids"]

    /// The `OPENBLAS_CORETYPE` to restart with, or nil to keep the loaded kernels: "SkylakeX" on
    /// a CPU with AVX-512 (F, BW, DQ, VL), "Haswell" on one with AVX2 and FMA, when OpenBLAS
    /// loaded narrower kernels and the user has not chosen a core type.
    public static func replacement(loaded: String, cpuFlags: Set<String>, environment: [String: String]) -> String? {
        guard environment["OPENBLAS_CORETYPE"] == nil, !wideCores.contains(loaded.lowercased()) else { return nil }
        if cpuFlags.isSuperset(of: ["avx512f", "avx512bw", "avx512dq", "avx512vl"]) { return "SkylakeX" }
        if cpuFlags.isSuperset(of: ["avx2", "fma"]) { return "Haswell" }
        return nil
    }

    /// The feature flags of the first CPU in /proc/cpuinfo (empty where there is none).
    public static func cpuFlags(cpuinfo: String? = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) -> Set<String> {
        guard let line = cpuinfo?.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
              let colon = line.firstIndex(of: ":") else { return [] }
        return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
    }

    /// Re-executes this binary with `OPENBLAS_CORETYPE` set when OpenBLAS fell back to kernels
    /// narrower than the CPU supports; returns, doing nothing, otherwise. Call it first thing in
    /// `main`, before MPI starts: the restarted process keeps its pid, arguments and environment.
    /// If the restart fails, a warning says how to set the variable by hand.
    public static func restartWithWideKernelsIfNeeded() {
        #if os(Linux)
        let environment = ProcessInfo.processInfo.environment
        guard let core = replacement(loaded: loaded, cpuFlags: cpuFlags(), environment: environment) else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        // The binary's own path, not /proc/self/exe, so that the process keeps its name (ps,
        // pkill and the kernel's comm say "rlhf", not "exe").
        let binary = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? "/proc/self/exe"
        execv(binary, CommandLine.unsafeArgv)
        let reason = String(cString: strerror(errno))
        FileHandle.standardError.write(Data("""
            warning: OpenBLAS loaded its \(loaded) kernels on a CPU that runs its \(core) ones several \
            times faster, and restarting with OPENBLAS_CORETYPE=\(core) failed (\(reason)); \
            export OPENBLAS_CORETYPE=\(core) before running rlhf.\n
            """.utf8))
        #endif
    }
}
