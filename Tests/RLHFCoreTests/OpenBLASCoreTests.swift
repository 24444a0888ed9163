import Testing
import RLHFCore

/// The choice of OpenBLAS kernels to restart with, on CPUs OpenBLAS does and does not know.
@Suite struct OpenBLASCoreTests {
    static let avx512: Set<String> = ["sse3", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512dq", "avx512vl"]
    static let avx2: Set<String> = ["sse3", "avx", "avx2", "fma"]

    @Test func aFallbackOnAnAVX512CPURestartsWithTheAVX512Kernels() {
        #expect(OpenBLASCore.replacement(loaded: "Prescott", cpuFlags: Self.avx512, environment: [:]) == "SkylakeX")
    }

    @Test func aFallbackOnAnAVX2CPURestartsWithTheAVX2Kernels() {
        #expect(OpenBLASCore.replacement(loaded: "Prescott", cpuFlags: Self.avx2, environment: [:]) == "Haswell")
        #expect(OpenBLASCore.replacement(loaded: "Sandybridge", cpuFlags: Self.avx2, environment: [:]) == "Haswell")
    }

    @Test func kernelsThatAlreadyUseAVX2AreKept() {
        for core in ["Haswell", "Zen", "SkylakeX", "Cooperlake"] {
            #expect(OpenBLASCore.replacement(loaded: core, cpuFlags: Self.avx512, environment: [:]) == nil)
        }
    }

    @Test func theUsersCoreTypeWinsAndEndsTheRestart() {
        let environment = ["OPENBLAS_CORETYPE": "Prescott"]
        #expect(OpenBLASCore.replacement(loaded: "Prescott", cpuFlags: Self.avx512, environment: environment) == nil)
    }

    @Test func aCPUWithoutAVX2KeepsWhatOpenBLASChose() {
        #expect(OpenBLASCore.replacement(loaded: "Prescott", cpuFlags: ["sse3", "avx"], environment: [:]) == nil)
        #expect(OpenBLASCore.replacement(loaded: "Prescott", cpuFlags: [], environment: [:]) == nil)
    }

    @Test func flagsAreReadFromTheFirstCPU() {
        let cpuinfo = """
            processor\t: 0
            model name\t: Intel(R) Xeon(R) Processor
            flags\t\t: fpu sse3 avx2 fma avx512f
            processor\t: 1
            flags\t\t: fpu
            """
        #expect(OpenBLASCore.cpuFlags(cpuinfo: cpuinfo) == ["fpu", "sse3", "avx2", "fma", "avx512f"])
        #expect(OpenBLASCore.cpuFlags(cpuinfo: "processor : 0") == [])
        #expect(OpenBLASCore.cpuFlags(cpuinfo: nil) == [])
    }
}
