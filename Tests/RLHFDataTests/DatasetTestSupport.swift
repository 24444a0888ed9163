import Foundation

/// The committed data fixtures: small hand-written files under `Fixtures/data`.
enum DatasetFixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .appendingPathComponent("Fixtures/data")

    static func url(_ name: String) -> URL {
        directory.appendingPathComponent(name)
    }

    /// The shared real data beside the repository (`../shared/data`), which tests read in place.
    static let sharedData = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .appendingPathComponent("shared/data")

    /// The Anthropic HH-RLHF test splits in the shared data.
    static let anthropicHH = sharedData.appendingPathComponent("hh-rlhf")
}

/// A fresh temporary directory for the data files one test writes, deleted with the value.
final class DatasetScratchDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("rlhf-data-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }

    /// Writes `text` as UTF-8 to `name` and returns its URL.
    func write(_ name: String, _ text: String) throws -> URL {
        try write(name, bytes: Array(text.utf8))
    }

    /// Writes `bytes` to `name` and returns its URL.
    func write(_ name: String, bytes: [UInt8]) throws -> URL {
        let file = url.appendingPathComponent(name)
        try Data(bytes).write(to: file)
        return file
    }

    /// Compresses `file` with the system `gzip` into `file.gz`, keeping `file`, and returns the new URL.
    func gzip(_ file: URL) throws -> URL {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["gzip", "--keep", "--force", "--no-name", file.path]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: file.path])
        }
        return URL(fileURLWithPath: file.path + ".gz")
    }

    /// Writes `text` to `name` and a gzip-compressed copy beside it; returns both URLs.
    func writePlainAndGzipped(_ name: String, _ text: String) throws -> (plain: URL, gzipped: URL) {
        let plain = try write(name, text)
        return (plain, try gzip(plain))
    }
}
