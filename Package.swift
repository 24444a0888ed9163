// swift-tools-version:6.0
import PackageDescription

// The kernels are written with SIMD8 vectors and fused multiply-adds; on x86-64 they need AVX2
// and FMA (every x86 server CPU since 2013) to compile to single instructions.
#if arch(x86_64)
let kernelFlags = ["-Ounchecked", "-target-cpu", "haswell"]
#else
let kernelFlags = ["-Ounchecked"]
#endif

let package = Package(
    name: "rlhf",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "rlhf", targets: ["rlhf"]),
        .executable(name: "rlhf-fuzz", targets: ["rlhf-fuzz"]),
        .library(name: "RLHFCore", targets: ["RLHFCore"]),
        .library(name: "RLHFData", targets: ["RLHFData"]),
        .library(name: "RLHFDistributed", targets: ["RLHFDistributed"]),
        .library(name: "RLHFTraining", targets: ["RLHFTraining"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    ],
    targets: [
        .systemLibrary(name: "CMPI", pkgConfig: "ompi", providers: [.apt(["libopenmpi-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "CPrefetch"),
        .target(name: "CWideKernels"),
        .target(
            name: "RLHFCore",
            dependencies: ["COpenBLAS", "CPrefetch", "CWideKernels"],
            swiftSettings: [.unsafeFlags(kernelFlags, .when(configuration: .release))]
        ),
        // Tokenizers and datasets read outside input, so they keep Swift's bounds and overflow checks.
        .target(name: "RLHFData", dependencies: ["CZlib", "RLHFCore"]),
        .target(name: "RLHFDistributed", dependencies: ["CMPI", "RLHFCore"]),
        // The training stages: configs, checkpoints, metrics, pretraining, SFT, reward modelling.
        .target(
            name: "RLHFTraining",
            dependencies: ["RLHFCore", "RLHFData", "RLHFDistributed", .product(name: "Yams", package: "Yams")]
        ),
        .executableTarget(
            name: "rlhf",
            dependencies: [
                "RLHFCore", "RLHFData", "RLHFDistributed", "RLHFTraining",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Mutational fuzzing of every parser of outside input (scripts/test-fuzz, fuzz/corpus).
        .executableTarget(
            name: "rlhf-fuzz",
            dependencies: [
                "RLHFCore", "RLHFData", "RLHFDistributed", "RLHFTraining",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "RLHFCoreTests", dependencies: ["RLHFCore"], exclude: ["Fixtures"]),
        .testTarget(name: "RLHFDistributedTests", dependencies: ["RLHFDistributed", "RLHFCore"]),
        .testTarget(name: "RLHFDataTests", dependencies: ["RLHFData", "RLHFCore"], exclude: ["Fixtures"]),
        .testTarget(name: "RLHFTrainingTests", dependencies: ["RLHFTraining", "RLHFData", "RLHFCore", "RLHFDistributed"]),
    ]
)
