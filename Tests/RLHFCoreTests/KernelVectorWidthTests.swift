import Foundation
import Testing
import RLHFCore

/// The AVX-512 kernels (`CWideKernels`) run exactly where the CPU has AVX-512F and the user did
/// not turn them off; `scripts/test` reruns the kernel suites with `RLHF_WIDE_KERNELS=0`, so
/// that both versions pass the same tests on such a machine.
@Suite struct KernelVectorWidthTests {
    #if os(Linux)
    @Test func theWideKernelsRunWhereTheCPUHasAVX512() {
        let flags = OpenBLASCore.cpuFlags()
        #expect(!flags.isEmpty, "no flags line in /proc/cpuinfo")
        let turnedOff = ProcessInfo.processInfo.environment["RLHF_WIDE_KERNELS"] == "0"
        #expect(kernelVectorWidth == (flags.contains("avx512f") && !turnedOff ? 16 : 8))
    }
    #endif
}
