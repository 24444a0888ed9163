import Foundation
import Testing
import RLHFCore
import RLHFTraining

@Suite struct SHA256Tests {
    func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }

    /// FIPS 180-4 / NIST CSRC example vectors.
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
    ])
    func standardVectors(message: String, digest: String) {
        #expect(hex(SHA256.hash(message.utf8)) == digest)
        var hasher = SHA256()
        hasher.update(Array(message.utf8))
        #expect(hasher.hexDigest == digest)
    }

    @Test func oneMillionAs() {
        var hasher = SHA256()
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
        for _ in 0..<1000 {
            hasher.update(chunk)
        }
        #expect(hasher.hexDigest == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func streamingInPiecesOfAnySizeMatchesOneShot() {
        var rng = RandomGenerator(seed: 9)
        let bytes = (0..<1000).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let expected = SHA256.hash(bytes)
        for pieceSize in [1, 3, 55, 56, 63, 64, 65, 127, 1000] {
            var hasher = SHA256()
            var start = 0
            while start < bytes.count {
                let end = min(start + pieceSize, bytes.count)
                bytes[start..<end].withUnsafeBytes { hasher.update($0) }
                start = end
            }
            #expect(hasher.digest == expected, "pieces of \(pieceSize) bytes")
            #expect(hasher.digest == expected, "reading the digest leaves the hasher unchanged")
        }
    }

    @Test func paddingBoundaries() {
        // Lengths around the 56-byte boundary where the length field spills into a second block.
        let digests = [55, 56, 57, 64].map { hex(SHA256.hash([UInt8](repeating: 0x61, count: $0))) }
        #expect(digests == [
            "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318",
            "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a",
            "f13b2d724659eb3bf47f2dd6af1accc87b81f09f59f2b75e5c0bed6589dfe8c6",
            "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb",
        ])
    }

    @Test func fileDigestMatchesSha256sum() throws {
        let sha256sum = URL(fileURLWithPath: "/usr/bin/sha256sum")
        guard FileManager.default.isExecutableFile(atPath: sha256sum.path) else { return }
        let directory = try TemporaryDirectory()
        let file = directory.url.appendingPathComponent("random.bin")
        var rng = RandomGenerator(seed: 5)
        // Larger than the 4 MiB read chunk and not a multiple of the block size.
        let bytes = (0..<((5 << 20) + 37)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        try Data(bytes).write(to: file)

        let process = Process()
        let output = Pipe()
        process.executableURL = sha256sum
        process.arguments = [file.path]
        process.standardOutput = output
        try process.run()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let expected = String(printed.prefix(64))
        #expect(expected.count == 64)
        #expect(try SHA256.hexDigest(ofFile: file) == expected)
    }
}
