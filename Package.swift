// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "rlhf",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "rlhf", targets: ["rlhf"]),
        .library(name: "RLHFCore", targets: ["RLHFCore"]),
        .library(name: "RLHFDistributed", targets: ["RLHFDistributed"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CMPI", pkgConfig: "ompi", providers: [.apt(["libopenmpi-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .target(
            name: "RLHFCore",
            dependencies: ["COpenBLAS"],
            swiftSettings: [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]
        ),
        .target(name: "RLHFDistributed", dependencies: ["CMPI", "RLHFCore"]),
        .executableTarget(
            name: "rlhf",
            dependencies: [
                "RLHFCore", "RLHFDistributed",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "RLHFCoreTests", dependencies: ["RLHFCore"], exclude: ["Fixtures"]),
        .testTarget(name: "RLHFDistributedTests", dependencies: ["RLHFDistributed", "RLHFCore"]),
    ]
)
