import Foundation
import RLHFCore
import Testing

/// `../shared/data/stories260k/<name>` beside the repository root (three levels above this file).
private func storiesFile(_ name: String) throws -> URL {
    let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let url = root.deletingLastPathComponent().appendingPathComponent("shared/data/stories260k/\(name)")
    try #require(FileManager.default.fileExists(atPath: url.path),
                 "real test data missing: \(url.path) (CI provides ../shared/data beside the repository)")
    return url
}

/// Little-endian bytes of each value.
private func bytes<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
    values.flatMap { value in withUnsafeBytes(of: value.littleEndian) { Array($0) } }
}

private func bytes(_ values: [Float]) -> [UInt8] {
    bytes(values.map(\.bitPattern))
}

/// The floats of `data` starting at byte `offset`.
private func floats(_ data: Data, at offset: Int, count: Int) -> [Float] {
    data.withUnsafeBytes { raw in
        (0..<count).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 4 * $0, as: UInt32.self))) }
    }
}

/// Writes `contents` to a fresh file in the temporary directory and runs `body` on it.
private func withTemporaryFile<T>(_ contents: [UInt8], _ body: (URL) throws -> T) throws -> T {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("llama2c-tests-\(UUID().uuidString).bin")
    try Data(contents).write(to: url)
    defer { try? FileManager.default.removeItem(at: url) }
    return try body(url)
}

private func checkpointError(_ contents: [UInt8]) throws -> FormatError? {
    try withTemporaryFile(contents) { url -> FormatError? in
        do {
            _ = try loadLlama2cModel(file: url)
            return nil
        } catch let error as FormatError {
            return error
        }
    }
}

// MARK: - Checkpoint

@Suite struct Llama2cCheckpointTests {
    /// A 1-layer model with dim 8, 2 query heads of size 4 sharing 1 KV head, hidden 6,
    /// vocabulary 5, seq_len 3. Every body float is its own index, so each one's origin shows.
    private static let header: [Int32] = [8, 6, 1, 2, 1, 5, 3]
    private static let bodyFloats = 5 * 8 + 8 + 8 * 8 + 4 * 8 + 4 * 8 + 8 * 8 + 8 + 6 * 8 + 8 * 6 + 6 * 8 + 8 + 2 * 3 * 2

    private static func synthetic(tied: Bool, extraFloats: Int = 0) -> [UInt8] {
        var header = Self.header
        if !tied { header[5] = -header[5] }
        let count = bodyFloats + (tied ? 0 : 5 * 8) + extraFloats
        return bytes(header) + bytes((0..<count).map(Float.init))
    }

    @Test(arguments: [true, false])
    func syntheticFileLandsInLayoutWithRopeRowsPermuted(tied: Bool) throws {
        let (config, parameters) = try withTemporaryFile(Self.synthetic(tied: tied)) { try loadLlama2cModel(file: $0) }
        #expect(config == ModelConfig(dim: 8, nLayers: 1, nHeads: 2, nKVHeads: 1, hiddenDim: 6, vocabSize: 5,
                                      maxSeqLen: 3, ropeTheta: 10_000, normEps: 1e-5, tieEmbeddings: tied))
        let layout = ParameterLayout(config: config, head: .languageModel)
        #expect(parameters.count == layout.count)
        func tensor(_ name: String) throws -> [Float] {
            let view = try #require(layout.view(named: name))
            return Array(parameters.array[view.offset..<(view.offset + view.count)])
        }
        /// Floats [start, start + count) of the llama2.c body.
        func body(_ start: Int, _ count: Int) -> [Float] { (start..<(start + count)).map(Float.init) }

        let wqStart = 40 + 8, wkStart = wqStart + 64, wvStart = wkStart + 32, woStart = wvStart + 32
        let ffnNormStart = woStart + 64, w1Start = ffnNormStart + 8, w2Start = w1Start + 48, w3Start = w2Start + 48
        let finalNormStart = w3Start + 48
        #expect(try tensor("model.embed_tokens.weight") == body(0, 40))
        #expect(try tensor("model.layers.0.input_layernorm.weight") == body(40, 8))
        #expect(try tensor("model.layers.0.self_attn.v_proj.weight") == body(wvStart, 32))
        #expect(try tensor("model.layers.0.self_attn.o_proj.weight") == body(woStart, 64))
        #expect(try tensor("model.layers.0.post_attention_layernorm.weight") == body(ffnNormStart, 8))
        #expect(try tensor("model.layers.0.mlp.gate_proj.weight") == body(w1Start, 48))
        #expect(try tensor("model.layers.0.mlp.down_proj.weight") == body(w2Start, 48))
        #expect(try tensor("model.layers.0.mlp.up_proj.weight") == body(w3Start, 48))
        #expect(try tensor("model.norm.weight") == body(finalNormStart, 8))

        // Head size 4: HF rows (0, 1, 2, 3) of each head are llama2.c rows (0, 2, 1, 3).
        let order = [0, 2, 1, 3]
        let wq = try tensor("model.layers.0.self_attn.q_proj.weight")
        for head in 0..<2 {
            for row in 0..<4 {
                let hfRow = head * 4 + row
                #expect(Array(wq[(hfRow * 8)..<(hfRow * 8 + 8)]) == body(wqStart + (head * 4 + order[row]) * 8, 8))
            }
        }
        let wk = try tensor("model.layers.0.self_attn.k_proj.weight")
        for row in 0..<4 {
            #expect(Array(wk[(row * 8)..<(row * 8 + 8)]) == body(wkStart + order[row] * 8, 8))
        }

        if tied {
            #expect(layout.view(named: "lm_head.weight") == nil)
        } else {
            // The classifier follows the two skipped RoPE tables (2 x seq_len x headDim/2 floats).
            #expect(try tensor("lm_head.weight") == body(finalNormStart + 8 + 12, 40))
        }
    }

    @Test func realCheckpointHasTheREADMEsShape() throws {
        let url = try storiesFile("stories260K.bin")
        let (config, parameters) = try loadLlama2cModel(file: url)
        #expect(config == ModelConfig(dim: 64, nLayers: 5, nHeads: 8, nKVHeads: 4, hiddenDim: 172, vocabSize: 512,
                                      maxSeqLen: 512, ropeTheta: 10_000, normEps: 1e-5, tieEmbeddings: true))
        #expect(parameters.count == 260_032)

        let raw = try Data(contentsOf: url)
        let layout = ParameterLayout(config: config, head: .languageModel)
        #expect(Array(parameters.array[0..<(512 * 64)]) == floats(raw, at: 28, count: 512 * 64))
        // Layer 0's wq starts after the embedding and the five attention norms; its row 1 is
        // llama2.c's row 2 (head size 8: rows 0, 2, 4, 6 then 1, 3, 5, 7).
        let wqBytes = 28 + 4 * (512 * 64 + 5 * 64)
        let wq = layout.layers[0].wq
        #expect(Array(parameters.array[(wq + 64)..<(wq + 128)]) == floats(raw, at: wqBytes + 4 * 2 * 64, count: 64))
        #expect(Array(parameters.array[(wq + 4 * 64)..<(wq + 5 * 64)]) == floats(raw, at: wqBytes + 4 * 1 * 64, count: 64))
        let finalNormBytes = 28 + 4 * (260_032 - 64)
        #expect(Array(parameters.array[layout.finalNorm..<(layout.finalNorm + 64)]) == floats(raw, at: finalNormBytes, count: 64))
    }

    /// The real model survives export to a Hugging Face checkpoint and back.
    @Test func realCheckpointRoundTripsThroughSafetensors() throws {
        let (config, parameters) = try loadLlama2cModel(file: try storiesFile("stories260K.bin"))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("stories-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try saveHFModel(config: config, head: .languageModel, parameters: parameters, to: directory)
        let loaded = try loadHFModel(directory: directory)
        #expect(loaded.config == config)
        #expect(loaded.parameters.array == parameters.array)
    }

    @Test func fileShorterThanTheHeaderIsTruncated() throws {
        guard case .truncated(_, let detail)? = try checkpointError(bytes([Int32(8), 6, 1])) else {
            Issue.record("expected truncated")
            return
        }
        #expect(detail.contains("12 bytes"))
    }

    @Test(arguments: [
        [Int32(0), 6, 1, 2, 1, 5, 3], [8, 6, -1, 2, 1, 5, 3], [8, 6, 1, 2, 1, 0, 3], [8, 6, 1, 2, 1, 5, -3],
        [8, 6, 1, 3, 1, 5, 3],  // dim not a multiple of n_heads
        [8, 6, 1, 2, 3, 5, 3],  // n_heads not a multiple of n_kv_heads
        [6, 6, 1, 2, 1, 5, 3],  // odd head size
    ])
    func invalidHeaderValuesAreCorrupt(header: [Int32]) throws {
        guard case .corrupt? = try checkpointError(bytes(header) + Array(repeating: 0, count: 4096)) else {
            Issue.record("expected corrupt for header \(header)")
            return
        }
    }

    /// Headers claiming enormous models fail on the size check, before any allocation.
    @Test(arguments: [
        [1 << 30, 1 << 30, 1 << 30, 1 << 29, 1 << 29, 1 << 30, 1 << 30],  // size overflows Int
        [1 << 20, 1 << 20, 64, 1 << 10, 1 << 10, -(1 << 20), 1 << 20],    // terabytes, no overflow
    ] as [[Int32]])
    func absurdHeadersAreRefusedWithoutAllocating(header: [Int32]) throws {
        let error = try checkpointError(bytes(header) + Array(repeating: 0, count: 64))
        switch error {
        case .corrupt?, .truncated?: break
        default: Issue.record("expected corrupt or truncated, got \(String(describing: error))")
        }
    }

    @Test func shortBodyIsTruncatedWithExpectedAndActualBytes() throws {
        let file = Array(Self.synthetic(tied: true).dropLast(10))
        guard case .truncated(_, let detail)? = try checkpointError(file) else {
            Issue.record("expected truncated")
            return
        }
        #expect(detail.contains("\(file.count + 10) bytes") && detail.contains("has \(file.count)"))
    }

    @Test func untiedHeaderOnATiedSizedFileIsTruncatedWithAHint() throws {
        var file = Self.synthetic(tied: true)
        file.replaceSubrange(20..<24, with: bytes([Int32(-5)]))
        guard case .truncated(_, let detail)? = try checkpointError(file) else {
            Issue.record("expected truncated")
            return
        }
        #expect(detail.contains("vocab_size should be positive"))
    }

    @Test func tiedHeaderOnAnUntiedSizedFileIsCorruptWithAHint() throws {
        var file = Self.synthetic(tied: false)
        file.replaceSubrange(20..<24, with: bytes([Int32(5)]))
        guard case .corrupt(_, let detail)? = try checkpointError(file) else {
            Issue.record("expected corrupt")
            return
        }
        #expect(detail.contains("vocab_size should be negative"))
    }

    @Test func trailingBytesAreCorrupt() throws {
        guard case .corrupt(_, let detail)? = try checkpointError(Self.synthetic(tied: true, extraFloats: 3)) else {
            Issue.record("expected corrupt")
            return
        }
        #expect(!detail.contains("should be"))
    }
}

// MARK: - Tokenizer

/// A `tokenizer.bin` holding `pieces` with `scores`.
private func tokenizerFile(_ pieces: [String], scores: [Float], maxTokenLength: Int32 = 8) -> [UInt8] {
    var file = bytes([maxTokenLength])
    for (piece, score) in zip(pieces, scores) {
        file += bytes([score]) + bytes([Int32(piece.utf8.count)]) + Array(piece.utf8)
    }
    return file
}

private func tokenizerError(_ contents: [UInt8], vocabSize: Int? = nil) throws -> FormatError? {
    try withTemporaryFile(contents) { url -> FormatError? in
        do {
            _ = try Llama2cTokenizer(contentsOf: url, vocabSize: vocabSize)
            return nil
        } catch let error as FormatError {
            return error
        }
    }
}

@Suite struct Llama2cTokenizerTests {
    static let sentence = "Once upon a time, there was a little girl named Lily."

    private func realTokenizer() throws -> Llama2cTokenizer {
        try Llama2cTokenizer(contentsOf: try storiesFile("tok512.bin"))
    }

    @Test func realTokenizerHasTheREADMEsLayout() throws {
        let tokenizer = try realTokenizer()
        #expect(tokenizer.vocabSize == 512)
        #expect(tokenizer.maxTokenLength == 7)
        #expect(tokenizer.pieces[1] == Array("\n<s>\n".utf8))
        #expect(tokenizer.pieces[2] == Array("\n</s>\n".utf8))
        #expect(tokenizer.pieces[3] == Array("<0x00>".utf8))
        #expect(tokenizer.pieces[258] == Array("<0xFF>".utf8))
        #expect(try Llama2cTokenizer(contentsOf: try storiesFile("tok512.bin"), vocabSize: 512).pieces == tokenizer.pieces)
    }

    @Test func sentenceRoundTrips() throws {
        let tokenizer = try realTokenizer()
        let tokens = tokenizer.encode(Self.sentence, bos: true, eos: false)
        #expect(tokenizer.decode(tokens) == Self.sentence)
        #expect(tokenizer.decode(tokenizer.encode(Self.sentence, bos: true, eos: true)) == Self.sentence)
    }

    @Test func sentenceEncodesAsTheAlgorithmDerives() throws {
        let tokenizer = try realTokenizer()
        let tokens = tokenizer.encode(Self.sentence, bos: true, eos: false)
        // The dummy prefix " " merges with the first word: " Once" is a single piece.
        #expect(tokens.first == Llama2cTokenizer.bos)
        #expect(tokens.dropFirst().first == tokenizer.id(of: Array(" Once".utf8)))
        #expect(tokens.dropFirst().flatMap { tokenizer.pieces[Int($0)] } == Array((" " + Self.sentence).utf8))
        // Ids from an independent transcription of run.c's encode run on tok512.bin:
        // " Once" " upon" " a" " time" "," " there" " was" " a" " little" " g" "ir" "l" " named" " Lily" "."
        #expect(tokens == [1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426])
    }

    @Test func encodingEdgeCases() throws {
        let tokenizer = try realTokenizer()
        #expect(tokenizer.encode("", bos: true, eos: true) == [1, 2])
        #expect(tokenizer.encode("", bos: false, eos: false) == [])
        // " " + "a" merge into the piece " a" (261).
        #expect(tokenizer.encode("a", bos: false, eos: true) == [261, 2])
        // A newline has no piece of its own: byte fallback 0x0A + 3.
        let space = try #require(tokenizer.id(of: [0x20]))
        #expect(tokenizer.encode("\n", bos: false, eos: false) == [space, 13])
        // "é" is a piece (2 bytes); the emoji is not, so its 4 UTF-8 bytes fall back to byte tokens.
        #expect(tokenizer.encode("é", bos: false, eos: false).last == tokenizer.id(of: [0xC3, 0xA9]))
        let emoji = tokenizer.encode("😀", bos: false, eos: false)
        let fallback: [Int32] = [0xF0, 0x9F, 0x98, 0x80].map { $0 + 3 }
        #expect(Array(emoji.dropFirst()) == fallback)
        #expect(tokenizer.decode([1] + emoji) == "😀")
        #expect(tokenizer.decode(tokenizer.encode("héllo wörld\n😀 ok", bos: true, eos: false)) == "héllo wörld\n😀 ok")
    }

    /// run.c's merge loop as written there: rescan every adjacent pair after each merge.
    private func rescanningMerges(_ start: [Int32], _ tokenizer: Llama2cTokenizer) -> [Int32] {
        var tokens = start
        while true {
            var best: (index: Int, id: Int32, score: Float)?
            for index in tokens.indices.dropLast() {
                let pieces = tokenizer.pieces
                guard pieces.indices.contains(Int(tokens[index])), pieces.indices.contains(Int(tokens[index + 1])),
                      let id = tokenizer.id(of: pieces[Int(tokens[index])] + pieces[Int(tokens[index + 1])]),
                      tokenizer.scores[Int(id)] > (best?.score ?? -1e10) else { continue }
                best = (index, id, tokenizer.scores[Int(id)])
            }
            guard let best else { return tokens }
            tokens.replaceSubrange(best.index...(best.index + 1), with: [best.id])
        }
    }

    @Test func heapMergingEqualsRunCsRescanOnRandomText() throws {
        let tokenizer = try realTokenizer()
        var rng = RandomGenerator(seed: 11)
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz     ,.!?'\n\"ABCLily éü😀Once upon a time the")
        for _ in 0..<300 {
            let text = String((0..<Int(rng.next() % 120)).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] })
            // run.c's starting point: the dummy-prefix space, then one token per UTF-8 character
            // (or its bytes' fallback tokens).
            var unmerged: [Int32] = [try #require(tokenizer.id(of: [0x20]))]
            for scalar in text.unicodeScalars {
                let bytes = Array(String(scalar).utf8)
                unmerged += tokenizer.id(of: bytes).map { [$0] } ?? bytes.map { Int32($0) + 3 }
            }
            let expected = text.isEmpty ? [] : rescanningMerges(unmerged, tokenizer)
            #expect(tokenizer.encode(text, bos: false, eos: false) == expected, "\(text.debugDescription)")
        }
    }

    @Test func decodeFollowsRunC() throws {
        let tokenizer = try realTokenizer()
        let once = try #require(tokenizer.id(of: Array(" Once".utf8)))
        #expect(tokenizer.decode(previous: Llama2cTokenizer.bos, token: once) == Array("Once".utf8))
        #expect(tokenizer.decode(previous: 261, token: once) == Array(" Once".utf8))
        #expect(tokenizer.decode(previous: 261, token: 13) == [0x0A])
        #expect(tokenizer.decode(previous: 261, token: 3) == [0x00])
        #expect(tokenizer.decode(previous: 261, token: 512) == [])
        #expect(tokenizer.decode(previous: 261, token: -1) == [])
        // Without BOS the dummy-prefix space stays, as in run.c.
        #expect(tokenizer.decode(tokenizer.encode("Hi", bos: false, eos: false)) == " Hi")
        // A lone UTF-8 lead byte is replaced, not dropped or crashed on.
        #expect(tokenizer.decode([1, 0xF0 + 3]) == "\u{FFFD}")
    }

    /// Merges take the highest score, and among equal scores the leftmost pair.
    @Test func mergeOrderIsHighestScoreThenLeftmost() throws {
        let pieces = ["<unk>", "\n<s>\n", "\n</s>\n", " ", "a", "b", "ab", "ba", " a", "a"]
        let scores: [Float] = [0, 0, 0, -10, -10, -10, -1, -1, -5, -20]
        let tokenizer = try withTemporaryFile(tokenizerFile(pieces, scores: scores)) {
            try Llama2cTokenizer(contentsOf: $0)
        }
        #expect(tokenizer.id(of: Array("a".utf8)) == 4)  // the first of duplicate pieces wins
        // [" ", a, b, a]: "ab" and "ba" tie at -1 above " a" at -5; the leftmost ("ab") merges,
        // after which no pair is a piece. Merging "ba" first would have allowed " a" next.
        #expect(tokenizer.encode("aba", bos: false, eos: false) == [3, 6, 4])
        #expect(tokenizer.encode("ab", bos: false, eos: false) == [3, 6])
        // [" ", b, a]: only "ba" (-1) and no " b"; then " " + "ba" is not a piece.
        #expect(tokenizer.encode("ba", bos: false, eos: false) == [3, 7])
    }

    @Test(arguments: [
        ([UInt8]([7, 0]), "fewer than the 4-byte"),  // shorter than max_token_length
        (tokenizerFile(["<unk>", "\n<s>\n", "\n</s>\n"], scores: [0, 0, 0]).dropLast(2).map { $0 }, "token 2"),
        (tokenizerFile(["<unk>", "\n<s>\n", "\n</s>\n"], scores: [0, 0, 0]) + [0, 0, 0, 0], "token 3"),  // score without length
        (tokenizerFile(["<unk>"], scores: [0]), "too few"),
    ])
    func truncatedTokenizerIsReported(file: [UInt8], detail: String) throws {
        guard case .truncated(let path, let message)? = try tokenizerError(file) else {
            Issue.record("expected truncated")
            return
        }
        #expect(path.hasSuffix(".bin"))
        #expect(message.contains(detail), "\(message)")
    }

    @Test func corruptTokenizerIsReported() throws {
        let valid = tokenizerFile(["<unk>", "\n<s>\n", "\n</s>\n"], scores: [0, 0, 0])
        // A negative or over-long piece length.
        for length in [Int32(-1), 9, Int32.max] {
            var file = valid
            file.replaceSubrange(8..<12, with: bytes([length]))
            guard case .corrupt(_, let detail)? = try tokenizerError(file) else {
                Issue.record("expected corrupt for length \(length)")
                continue
            }
            #expect(detail.contains("token 0"))
        }
        var zeroMax = valid
        zeroMax.replaceSubrange(0..<4, with: bytes([Int32(0)]))
        guard case .corrupt? = try tokenizerError(zeroMax) else {
            Issue.record("expected corrupt for max_token_length 0")
            return
        }
    }

    @Test func vocabularySizeMustMatchTheFile() throws {
        let file = tokenizerFile(["<unk>", "\n<s>\n", "\n</s>\n", "x"], scores: [0, 0, 0, 0])
        #expect(try tokenizerError(file, vocabSize: 4) == nil)
        guard case .truncated(_, let short)? = try tokenizerError(file, vocabSize: 5) else {
            Issue.record("expected truncated when the file holds fewer tokens than asked")
            return
        }
        #expect(short.contains("token 4 of the expected 5"))
        guard case .corrupt(_, let long)? = try tokenizerError(file, vocabSize: 3) else {
            Issue.record("expected corrupt when bytes remain")
            return
        }
        #expect(long.contains("remain"))
        guard case .corrupt? = try tokenizerError(file, vocabSize: 0) else {
            Issue.record("expected corrupt for vocabulary size 0")
            return
        }
    }
}
