import Foundation
import RLHFCore
import RLHFData
import Testing

/// The tokenizer fixtures written by `scripts/fixtures/make_tokenizer_fixture.py` with the
/// Hugging Face `tokenizers` library, and the real files in `../shared/data`.
enum TokenizerFixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .appendingPathComponent("Fixtures/tokenizer")

    static let names = ["bytelevel.json", "bytelevel_prefix.json", "bytefallback.json", "metaspace.json"]

    static func load(_ name: String) throws -> BPETokenizer {
        try BPETokenizer(contentsOf: directory.appendingPathComponent(name))
    }

    struct Sample: Decodable {
        var text: String
        var ids: [String: [Int32]]
        var decoded: [String: String]
    }

    private struct SampleFile: Decodable {
        var tokenizers: [String]
        var samples: [Sample]
    }

    static func samples() throws -> [Sample] {
        let data = try Data(contentsOf: directory.appendingPathComponent("samples.json"))
        return try JSONDecoder().decode(SampleFile.self, from: data).samples
    }

    static let sharedData = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/data")
    static let llama2cTokenizer = sharedData.appendingPathComponent("stories260k/tok512.bin")
    static let shakespeare = sharedData.appendingPathComponent("text/tinyshakespeare.txt")
    static var hasLlama2cTokenizer: Bool { FileManager.default.fileExists(atPath: llama2cTokenizer.path) }
    static var hasShakespeare: Bool { FileManager.default.fileExists(atPath: shakespeare.path) }
}

/// A fresh temporary directory, deleted with the value.
final class TokenizerScratchDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("rlhf-tokenizer-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }

    func write(_ name: String, _ text: String) throws -> URL {
        let file = url.appendingPathComponent(name)
        try Data(text.utf8).write(to: file)
        return file
    }
}

/// Random strings weighted towards what breaks tokenizers: control characters, combining
/// marks, emoji sequences, CJK, unusual whitespace, apostrophes, and any scalar at all.
func randomStrings(count: Int, seed: UInt64) -> [String] {
    var generator = RandomGenerator(seed: seed)
    let pools: [ClosedRange<UInt32>] = [
        0x20...0x7E, 0x61...0x7A, 0x00...0x1F, 0x7F...0xA0, 0x300...0x36F, 0x1F300...0x1F64F,
        0x1F3FB...0x1F3FF, 0x4E00...0x9FFF, 0x3040...0x30FF, 0x400...0x4FF, 0x600...0x6FF, 0x2000...0x206F,
    ]
    let specials: [Unicode.Scalar] = [" ", " ", "\n", "\t", "\r", "'", "\u{200D}", "\u{FE0F}", "\u{3000}", "\u{85}", "\u{A0}", "\u{FEFF}"]
    return (0..<count).map { _ in
        var text = String.UnicodeScalarView()
        for _ in 0..<Int.random(in: 0...40, using: &generator) {
            switch Int.random(in: 0..<10, using: &generator) {
            case 0..<3:
                text.append(specials.randomElement(using: &generator) ?? " ")
            case 3:
                // Any scalar: surrogates are not scalars, so retry until one is valid.
                var scalar: Unicode.Scalar?
                while scalar == nil {
                    scalar = Unicode.Scalar(UInt32.random(in: 0...0x10FFFF, using: &generator))
                }
                text.append(scalar ?? " ")
            default:
                let pool = pools.randomElement(using: &generator) ?? 0x20...0x7E
                text.append(Unicode.Scalar(UInt32.random(in: pool, using: &generator)) ?? " ")
            }
        }
        return String(text)
    }
}

// MARK: - Parity with the Hugging Face library

@Suite struct BPEParityTests {
    @Test("encode matches the tokenizers library on every sample", arguments: TokenizerFixtures.names)
    func encodeMatchesLibrary(name: String) throws {
        let tokenizer = try TokenizerFixtures.load(name)
        for (index, sample) in try TokenizerFixtures.samples().enumerated() {
            let expected = try #require(sample.ids[name], "samples.json has no ids for \(name)")
            #expect(tokenizer.encode(sample.text) == expected, "sample \(index): \(sample.text.debugDescription)")
        }
    }

    @Test("decode matches the tokenizers library on every sample", arguments: TokenizerFixtures.names)
    func decodeMatchesLibrary(name: String) throws {
        let tokenizer = try TokenizerFixtures.load(name)
        for (index, sample) in try TokenizerFixtures.samples().enumerated() {
            let ids = try #require(sample.ids[name])
            let expected = try #require(sample.decoded[name])
            #expect(Array(tokenizer.decode(ids).utf8) == Array(expected.utf8), "sample \(index): \(sample.text.debugDescription)")
        }
    }

    @Test("byte-level samples round-trip, minus the special tokens they spell")
    func byteLevelRoundTrip() throws {
        let tokenizer = try TokenizerFixtures.load("bytelevel.json")
        for sample in try TokenizerFixtures.samples() {
            let withoutSpecials = ["<|endoftext|>", "<|pad|>"].reduce(sample.text) { $0.replacingOccurrences(of: $1, with: "") }
            #expect(Array(tokenizer.decode(tokenizer.encode(sample.text)).utf8) == Array(withoutSpecials.utf8))
        }
    }

    @Test("special tokens are found by their spellings")
    func specialTokens() throws {
        let byteLevel = try TokenizerFixtures.load("bytelevel.json")
        #expect(byteLevel.specialTokens == SpecialTokens(bos: nil, eos: byteLevel.id(of: "<|endoftext|>"), pad: byteLevel.id(of: "<|pad|>")))
        #expect(byteLevel.encode("<|endoftext|>") == [try #require(byteLevel.specialTokens.eos)])
        #expect(byteLevel.vocabSize == 401)
        #expect(byteLevel.token(withID: 0) == "<|endoftext|>")

        // Llama's layout: <unk> <s> </s>, no padding token, so padding falls back to EOS.
        let llamaStyle = try TokenizerFixtures.load("bytefallback.json")
        #expect(llamaStyle.specialTokens == SpecialTokens(bos: 1, eos: 2, pad: 2))
        #expect(llamaStyle.vocabSize == 500)
        #expect(llamaStyle.decode([1, 2]) == "")
    }

    @Test("callers can override the special tokens")
    func overrideSpecialTokens() throws {
        var tokenizer = try TokenizerFixtures.load("bytelevel.json")
        tokenizer.specialTokens.bos = tokenizer.id(of: "<|sep|>")
        tokenizer.specialTokens.pad = nil
        #expect(tokenizer.specialTokens.bos == 400)
        #expect(tokenizer.specialTokens.pad == nil)
        // The non-special added token still decodes to its text.
        #expect(tokenizer.decode(tokenizer.encode("a<|sep|>b")) == "a<|sep|>b")
    }
}

// MARK: - Round trips

@Suite struct TokenizerRoundTripTests {
    static let strings = randomStrings(count: 500, seed: 0x5EED)

    @Test("random strings round-trip through the byte-level fixture")
    func byteLevelFixture() throws {
        let tokenizer = try TokenizerFixtures.load("bytelevel.json")
        for text in Self.strings {
            let ids = tokenizer.encode(text)
            #expect(ids.allSatisfy { $0 >= 0 && Int($0) < tokenizer.vocabSize })
            #expect(Array(tokenizer.decode(ids).utf8) == Array(text.utf8), "\(text.debugDescription)")
        }
    }

    @Test("random strings round-trip through a tokenizer our trainer made")
    func trainedTokenizer() throws {
        let corpus = Self.strings.prefix(250) + BPETrainerTests.corpus
        let tokenizer = try BPETrainer(vocabSize: 600).train(corpus: corpus)
        for text in Self.strings {
            #expect(Array(tokenizer.decode(tokenizer.encode(text)).utf8) == Array(text.utf8), "\(text.debugDescription)")
        }
    }

    @Test("random strings without '▁' round-trip through the byte-fallback fixture")
    func byteFallbackFixture() throws {
        let tokenizer = try TokenizerFixtures.load("bytefallback.json")
        for text in Self.strings where !text.unicodeScalars.contains("▁") {
            #expect(Array(tokenizer.decode(tokenizer.encode(text)).utf8) == Array(text.utf8), "\(text.debugDescription)")
        }
    }

    @Test("canonically equivalent spellings keep their own bytes")
    func canonicalEquivalence() throws {
        let tokenizer = try TokenizerFixtures.load("bytelevel.json")
        let composed = "caf\u{E9}"
        let decomposed = "cafe\u{301}"
        // Encode one first so that the word cache holds it; the other must not reuse it.
        #expect(tokenizer.encode(composed) != tokenizer.encode(decomposed))
        #expect(Array(tokenizer.decode(tokenizer.encode(decomposed)).utf8) == Array(decomposed.utf8))
    }

    @Test("writing and reading a fixture gives the same tokenizer", arguments: TokenizerFixtures.names)
    func writeAndReload(name: String) throws {
        let scratch = try TokenizerScratchDirectory()
        let tokenizer = try TokenizerFixtures.load(name)
        let file = scratch.url.appendingPathComponent("tokenizer.json")
        try tokenizer.write(to: file)
        let reloaded = try BPETokenizer(contentsOf: file)
        #expect(reloaded == tokenizer)
        for sample in try TokenizerFixtures.samples() {
            #expect(reloaded.encode(sample.text) == tokenizer.encode(sample.text))
        }
    }
}

// MARK: - Loading and errors

@Suite struct TokenizerLoadingTests {
    /// A minimal valid byte-level tokenizer.json with `change` applied to its JSON object.
    static func document(_ change: (inout [String: Any]) -> Void = { _ in }) throws -> String {
        var root: [String: Any] = [
            "version": "1.0",
            "added_tokens": [["id": 3, "content": "<|endoftext|>", "special": true, "normalized": false]],
            "normalizer": NSNull(),
            "pre_tokenizer": ["type": "ByteLevel", "add_prefix_space": false],
            "decoder": ["type": "ByteLevel"],
            "model": ["type": "BPE", "vocab": ["a": 0, "b": 1, "ab": 2], "merges": ["a b"]],
        ]
        change(&root)
        return String(decoding: try JSONSerialization.data(withJSONObject: root), as: UTF8.self)
    }

    static func loadError(_ json: String) throws -> TokenizerError? {
        let scratch = try TokenizerScratchDirectory()
        let file = try scratch.write("tokenizer.json", json)
        do {
            _ = try BPETokenizer(contentsOf: file)
            return nil
        } catch {
            #expect(error.description.contains(file.path), "message should name the file: \(error)")
            return error
        }
    }

    /// The field an unsupported/invalid/missing-field error names.
    static func field(of error: TokenizerError?) -> String? {
        switch error {
        case .unsupported(_, let field, _)?, .invalidField(_, let field, _)?, .missingField(_, let field)?: field
        default: nil
        }
    }

    @Test("a minimal file loads, with both merge spellings")
    func minimal() throws {
        #expect(try Self.loadError(Self.document()) == nil)
        let pairs = try Self.document { root in
            root["model"] = ["type": "BPE", "vocab": ["a": 0, "b": 1, "ab": 2], "merges": [["a", "b"]]]
        }
        let scratch = try TokenizerScratchDirectory()
        let tokenizer = try BPETokenizer(contentsOf: scratch.write("tokenizer.json", pairs))
        #expect(tokenizer.encode("ab<|endoftext|>ba") == [2, 3, 1, 0])
        #expect(tokenizer.specialTokens.eos == 3)
    }

    @Test("unsupported features are errors naming the field")
    func unsupportedFeatures() throws {
        let cases: [(String, (inout [String: Any]) -> Void)] = [
            ("model.type", { $0["model"] = ["type": "WordPiece", "vocab": ["a": 0]] }),
            ("normalizer.type", { $0["normalizer"] = ["type": "NFKC"] }),
            ("pre_tokenizer.type", { $0["pre_tokenizer"] = ["type": "Split", "pattern": ["Regex": "\\s+"], "behavior": "Isolated"] }),
            ("pre_tokenizer.pretokenizers[1]", {
                $0["pre_tokenizer"] = ["type": "Sequence", "pretokenizers": [["type": "ByteLevel"], ["type": "Metaspace", "replacement": "▁"]]]
            }),
            ("normalizer.normalizers[0].pattern", {
                $0["normalizer"] = ["type": "Sequence", "normalizers": [["type": "Replace", "pattern": ["Regex": " +"], "content": " "]]]
            }),
            ("decoder.type", { $0["decoder"] = ["type": "WordPiece"] }),
            ("model.dropout", { $0["model"] = ["type": "BPE", "dropout": 0.1, "vocab": ["a": 0], "merges": []] }),
            ("model.continuing_subword_prefix", {
                $0["model"] = ["type": "BPE", "continuing_subword_prefix": "##", "vocab": ["a": 0], "merges": []]
            }),
        ]
        for (field, change) in cases {
            let error = try Self.loadError(Self.document(change))
            guard case .unsupported? = error else {
                Issue.record("expected an unsupported-feature error for \(field), got \(String(describing: error))")
                continue
            }
            #expect(Self.field(of: error) == field)
        }
    }

    @Test("invalid content is an error naming the field")
    func invalidContent() throws {
        let cases: [(String, (inout [String: Any]) -> Void)] = [
            ("model", { $0["model"] = nil }),
            ("model.vocab", { $0["model"] = ["type": "BPE", "merges": []] }),
            ("model.merges", { $0["model"] = ["type": "BPE", "vocab": ["a": 0]] }),
            ("model.merges[0]", { $0["model"] = ["type": "BPE", "vocab": ["a": 0, "b": 1], "merges": ["a c"]] }),
            ("model.merges[0]", { $0["model"] = ["type": "BPE", "vocab": ["a": 0, "b": 1], "merges": ["a b"]] }),
            ("model.merges[0]", { $0["model"] = ["type": "BPE", "vocab": ["a": 0, "b": 1, "ab": 2], "merges": ["a b c"]] }),
            ("model.merges[0]", { $0["model"] = ["type": "BPE", "vocab": ["a": 0], "merges": [7]] }),
            ("model.vocab['a']", { $0["model"] = ["type": "BPE", "vocab": ["a": -1], "merges": []] }),
            ("model.vocab['a']", { $0["model"] = ["type": "BPE", "vocab": ["a": "zero"], "merges": []] }),
            ("model.unk_token", { $0["model"] = ["type": "BPE", "unk_token": "<unk>", "vocab": ["a": 0], "merges": []] }),
            ("added_tokens[0].content", { $0["added_tokens"] = [["id": 5]] }),
            ("pre_tokenizer.add_prefix_space", { $0["pre_tokenizer"] = ["type": "ByteLevel", "add_prefix_space": "yes"] }),
            ("decoder.content", { $0["decoder"] = ["type": "Strip", "content": "ab", "start": 1, "stop": 0] }),
        ]
        for (field, change) in cases {
            let error = try Self.loadError(Self.document(change))
            #expect(error != nil, "expected an error for \(field)")
            #expect(Self.field(of: error) == field, "\(String(describing: error))")
        }
        let duplicate = try Self.loadError(Self.document { $0["model"] = ["type": "BPE", "vocab": ["a": 0, "b": 0], "merges": []] })
        #expect(Self.field(of: duplicate)?.hasPrefix("model.vocab[") == true)
    }

    @Test("malformed JSON and unreadable files are errors naming the file")
    func malformedFiles() throws {
        for text in ["", "{", "{\"model\": }", "[1, 2", "{\"a\": \"\\ud800\"}", "nul", "{} extra"] {
            guard case .invalidJSON? = try Self.loadError(text) else {
                Issue.record("expected invalid JSON for \(text.debugDescription)")
                continue
            }
        }
        guard case .invalidField(_, "(root)", _)? = try Self.loadError("[]") else {
            Issue.record("a non-object document must be rejected")
            return
        }
        let missing = URL(fileURLWithPath: "/nonexistent/tokenizer.json")
        #expect(throws: TokenizerError.self) { try BPETokenizer(contentsOf: missing) }
    }

    @Test("loadTokenizer picks the format from the path")
    func loadByPath() throws {
        let scratch = try TokenizerScratchDirectory()
        let json = try scratch.write("tokenizer.json", Self.document())
        #expect(try loadTokenizer(at: json) is BPETokenizer)
        #expect(try loadTokenizer(at: scratch.url) is BPETokenizer)

        let other = try scratch.write("vocab.txt", "a\nb\n")
        #expect(throws: TokenizerError.unrecognizedFile(path: other.path)) { try loadTokenizer(at: other) }
        let empty = scratch.url.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        #expect(throws: TokenizerError.unrecognizedFile(path: empty.path)) { try loadTokenizer(at: empty) }
        #expect(throws: TokenizerError.self) { try loadTokenizer(at: scratch.url.appendingPathComponent("missing.json")) }

        let truncated = try scratch.write("tokenizer.bin", "xy")
        guard case .llama2c? = Result(catching: { () throws(TokenizerError) in try loadTokenizer(at: truncated) }).failure else {
            Issue.record("a truncated tokenizer.bin must be a llama2c error")
            return
        }
    }

    @Test("llama2.c tokenizer conforms to Tokenizer", .enabled(if: TokenizerFixtures.hasLlama2cTokenizer, "needs ../shared/data/stories260k/tok512.bin"))
    func llama2c() throws {
        let tokenizer = try loadTokenizer(at: TokenizerFixtures.llama2cTokenizer)
        let llama = try #require(tokenizer as? Llama2cTokenizer)
        #expect(tokenizer.specialTokens == SpecialTokens(bos: 1, eos: 2, pad: 2))
        #expect(tokenizer.vocabSize == 512)
        let text = "Once upon a time, there was a little girl."
        #expect(tokenizer.encode(text) == llama.encode(text, bos: false, eos: false))
        #expect(tokenizer.decode([1] + tokenizer.encode(text)) == text)
        #expect(tokenizer.decode(tokenizer.encode(text)) == " " + text)
    }
}

private extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}

// MARK: - Speed

@Suite struct TokenizerSpeedTests {
    @Test("encoding 1 MB of text is fast", .enabled(if: TokenizerFixtures.hasShakespeare, "needs ../shared/data/text/tinyshakespeare.txt"))
    func encodeMegabyte() throws {
        let text = try String(contentsOf: TokenizerFixtures.shakespeare, encoding: .utf8)
        let tokenizer = try TokenizerFixtures.load("bytelevel.json")
        let clock = ContinuousClock()
        var ids: [Int32] = []
        let elapsed = clock.measure { ids = tokenizer.encode(text) }
        print("encoded \(text.utf8.count) bytes into \(ids.count) tokens in \(elapsed)")
        #expect(Array(tokenizer.decode(ids).utf8) == Array(text.utf8))
        // Far above the release-build time (well under a second); catches quadratic slowdowns
        // on a loaded machine and in debug builds.
        #expect(elapsed < .seconds(30))
    }
}
