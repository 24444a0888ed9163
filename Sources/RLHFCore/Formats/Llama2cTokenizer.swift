import Foundation

/// A llama2.c `tokenizer.bin`: sentencepiece-style pieces with merge scores and byte fallback,
/// encoding and decoding exactly as llama2.c's `run.c` does.
///
/// File format (little-endian): int32 `max_token_length`, then per token a float32 score, an
/// int32 byte length and that many raw bytes. Pieces store sentencepiece's "▁" as a plain space;
/// byte-fallback pieces are spelled `<0xXX>` and sit at ids 3 + byte.
public struct Llama2cTokenizer: Sendable {
    /// Beginning of sequence.
    public static let bos: Int32 = 1
    /// End of sequence.
    public static let eos: Int32 = 2

    /// Each token's bytes, indexed by id.
    public let pieces: [[UInt8]]
    /// Each token's merge score: higher merges first.
    public let scores: [Float]
    /// The longest piece, in bytes, as the file declares it.
    public let maxTokenLength: Int
    /// Piece bytes to id; for duplicate pieces the lowest id.
    private let ids: [[UInt8]: Int32]
    /// (left id << 32 | right id) to the id of the concatenated piece, for every pair whose
    /// concatenation is a token: the merge candidates `encode` looks up.
    private let merges: [UInt64: Int32]

    /// Number of tokens.
    public var vocabSize: Int { pieces.count }

    /// A tokenizer with the given pieces and scores (the same count).
    public init(pieces: [[UInt8]], scores: [Float], maxTokenLength: Int) {
        precondition(pieces.count == scores.count, "\(pieces.count) pieces but \(scores.count) scores")
        self.pieces = pieces
        self.scores = scores
        self.maxTokenLength = maxTokenLength
        var ids: [[UInt8]: Int32] = [:]
        for (id, piece) in pieces.enumerated() where ids[piece] == nil {
            ids[piece] = Int32(id)
        }
        self.ids = ids
        var merges: [UInt64: Int32] = [:]
        for piece in ids.keys where piece.count > 1 {
            guard let merged = ids[piece] else { continue }
            for split in 1..<piece.count {
                if let left = ids[Array(piece[..<split])], let right = ids[Array(piece[split...])] {
                    merges[Self.pairKey(left, right)] = merged
                }
            }
        }
        self.merges = merges
    }

    /// Reads a `tokenizer.bin`.
    ///
    /// - Parameter vocabSize: the number of tokens to read, normally the model's vocabulary
    ///   size; when nil, tokens are read to the end of the file. With a given size, bytes left
    ///   after the last token are an error, as they mean the file and the model disagree.
    public init(contentsOf url: URL, vocabSize: Int? = nil) throws(FormatError) {
        let path = url.path
        let data = try readFormatFile(url)
        if let vocabSize, vocabSize <= 0 || vocabSize > Int(Int32.max) {
            throw .corrupt(path: path, detail: "requested vocabulary size \(vocabSize) is not a positive int32")
        }
        self = try data.withUnsafeBytes { raw in
            Result { () throws(FormatError) in try Self.parse(raw, vocabSize: vocabSize, path: path) }
        }.get()
    }

    private static func parse(_ raw: UnsafeRawBufferPointer, vocabSize: Int?, path: String) throws(FormatError) -> Llama2cTokenizer {
        guard raw.count >= 4 else {
            throw .truncated(path: path, detail: "file has \(raw.count) bytes, fewer than the 4-byte max_token_length")
        }
        let maxTokenLength = Int(Int32(littleEndian: raw.loadUnaligned(as: Int32.self)))
        guard maxTokenLength > 0 else {
            throw .corrupt(path: path, detail: "max_token_length is \(maxTokenLength), expected a positive value")
        }
        var pieces: [[UInt8]] = []
        var scores: [Float] = []
        var cursor = 4
        while vocabSize.map({ pieces.count < $0 }) ?? (cursor < raw.count) {
            let token = pieces.count
            guard raw.count - cursor >= 8 else {
                let expected = vocabSize.map { " of the expected \($0)" } ?? ""
                throw .truncated(path: path, detail: "token \(token)\(expected) needs a score and a length at byte \(cursor), but the file has \(raw.count) bytes")
            }
            let score = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: cursor, as: UInt32.self)))
            let length = Int(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: cursor + 4, as: Int32.self)))
            cursor += 8
            guard length >= 0, length <= maxTokenLength else {
                throw .corrupt(path: path, detail: "token \(token) has length \(length), outside 0...\(maxTokenLength) (max_token_length)")
            }
            guard raw.count - cursor >= length else {
                throw .truncated(path: path, detail: "token \(token) needs \(length) bytes at byte \(cursor), but the file has \(raw.count) bytes")
            }
            pieces.append(Array(raw[cursor..<(cursor + length)]))
            scores.append(score)
            cursor += length
        }
        if let vocabSize, cursor < raw.count {
            throw .corrupt(path: path, detail: "\(raw.count - cursor) bytes remain after the \(vocabSize) tokens requested; the tokenizer does not match the vocabulary size")
        }
        guard pieces.count > Int(eos) else {
            throw .truncated(path: path, detail: "file holds \(pieces.count) tokens, too few to contain BOS (1) and EOS (2)")
        }
        return Llama2cTokenizer(pieces: pieces, scores: scores, maxTokenLength: maxTokenLength)
    }

    /// The id of the piece with exactly these bytes, if any.
    public func id(of piece: [UInt8]) -> Int32? {
        ids[piece]
    }

    /// Token ids of `text`, as `run.c`'s `encode`: BOS if asked, a dummy-prefix " " token when the
    /// text is non-empty, one token per UTF-8 character (or one byte-fallback token per byte of
    /// a character not in the vocabulary), then repeated merges of the adjacent pair whose
    /// concatenation is a token with the highest score (ties: leftmost), then EOS if asked.
    public func encode(_ text: String, bos: Bool, eos: Bool) -> [Int32] {
        var tokens: [Int32] = bos ? [Self.bos] : []
        let bytes = Array(text.utf8)
        if !bytes.isEmpty {
            // run.c would emit -1 for a vocabulary without " "; its byte-fallback token is the sane reading.
            tokens.append(id(of: [UInt8(ascii: " ")]) ?? Self.byteToken(UInt8(ascii: " ")))
        }

        // Group bytes into characters the way run.c does: a byte that is not a continuation
        // (10xxxxxx) starts a new group, and a group ends before a non-continuation or at 4 bytes.
        var character: [UInt8] = []
        for (index, byte) in bytes.enumerated() {
            if byte & 0xC0 != 0x80 { character.removeAll(keepingCapacity: true) }
            character.append(byte)
            let next = index + 1 < bytes.count ? bytes[index + 1] : 0
            if next & 0xC0 == 0x80, character.count < 4 { continue }
            if let id = id(of: character) {
                tokens.append(id)
            } else {
                tokens.append(contentsOf: character.map(Self.byteToken))
            }
            character.removeAll(keepingCapacity: true)
        }

        tokens = mergePairs(tokens)
        if eos { tokens.append(Self.eos) }
        return tokens
    }

    private static func pairKey(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    /// Repeatedly merges the adjacent pair whose concatenation is the token with the highest
    /// score (ties: leftmost), as run.c does, but with a heap of candidate pairs over a linked
    /// list of tokens: O(n log n) instead of run.c's rescan of every pair after each merge,
    /// which made long texts take seconds.
    private func mergePairs(_ start: [Int32]) -> [Int32] {
        var tokens = start
        let count = tokens.count
        guard count > 1 else { return tokens }
        var next = Array(1...count), previous = Array(-1..<(count - 1))
        var alive = [Bool](repeating: true, count: count)
        var heap = BinaryHeap<MergeCandidate> { $0.precedes($1) }
        func consider(_ position: Int) {
            let right = next[position]
            guard right < count, let merged = merges[Self.pairKey(tokens[position], tokens[right])],
                  scores[Int(merged)] > -1e10  // run.c starts from -1e10: pieces at or below never merge.
            else { return }
            heap.push(MergeCandidate(score: scores[Int(merged)], position: position, left: tokens[position],
                                     right: tokens[right], merged: merged))
        }
        for position in 0..<(count - 1) { consider(position) }
        while let candidate = heap.pop() {
            let position = candidate.position, right = next[position]
            // Skip candidates that an earlier merge made stale.
            guard alive[position], right < count, tokens[position] == candidate.left, tokens[right] == candidate.right
            else { continue }
            tokens[position] = candidate.merged
            alive[right] = false
            next[position] = next[right]
            if next[right] < count { previous[next[right]] = position }
            consider(position)
            if previous[position] >= 0 { consider(previous[position]) }
        }
        return (0..<count).filter { alive[$0] }.map { tokens[$0] }
    }

    /// The byte-fallback token of `byte`.
    private static func byteToken(_ byte: UInt8) -> Int32 {
        Int32(byte) + 3
    }

    /// The bytes `token` stands for, as `run.c`'s `decode`: a leading space is dropped after
    /// BOS, and a byte-fallback piece `<0xXX>` is the raw byte. An id outside the vocabulary
    /// decodes to no bytes.
    public func decode(previous: Int32, token: Int32) -> [UInt8] {
        guard pieces.indices.contains(Int(token)) else { return [] }
        var piece = pieces[Int(token)][...]
        if previous == Self.bos, piece.first == UInt8(ascii: " ") {
            piece = piece.dropFirst()
        }
        if let byte = Self.fallbackByte(piece) {
            return [byte]
        }
        return Array(piece)
    }

    /// The text of `tokens`: each token decoded after its predecessor, BOS and EOS contributing
    /// nothing, the bytes joined and read as UTF-8 with invalid sequences replaced.
    ///
    /// As in `run.c`, only a token that follows BOS loses its leading space, so
    /// `decode(encode(text, bos: true, eos: false)) == text`.
    public func decode(_ tokens: [Int32]) -> String {
        var bytes: [UInt8] = []
        var previous: Int32 = -1
        for token in tokens {
            if token != Self.bos && token != Self.eos {
                bytes += decode(previous: previous, token: token)
            }
            previous = token
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The byte a `<0xXX>` piece stands for (hex digits in either case), or nil.
    private static func fallbackByte(_ piece: ArraySlice<UInt8>) -> UInt8? {
        guard piece.count == 6, piece.starts(with: Array("<0x".utf8)), piece.last == UInt8(ascii: ">") else {
            return nil
        }
        let start = piece.startIndex
        guard let high = Character(Unicode.Scalar(piece[start + 3])).hexDigitValue,
              let low = Character(Unicode.Scalar(piece[start + 4])).hexDigitValue
        else { return nil }
        return UInt8(high * 16 + low)
    }
}

/// A possible merge of the tokens at `position` and the next one.
private struct MergeCandidate {
    var score: Float
    var position: Int
    var left: Int32
    var right: Int32
    var merged: Int32

    /// Higher score first; at equal scores the leftmost, as run.c's scan picks.
    func precedes(_ other: MergeCandidate) -> Bool {
        score != other.score ? score > other.score : position < other.position
    }
}
