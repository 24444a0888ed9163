import RLHFCore

/// Makes malformed inputs from well-formed seeds with byte-level mutations: bit flips, random
/// and boundary bytes, integers that break length fields (in binary and as decimal text),
/// truncation, insertion, deletion, duplication, splicing with another seed, and tokens of
/// the text formats. Input `index` of a run with `seed` is always the same, so a failure is
/// reproduced from its number alone, and a worker restarted after a crash picks up where it was.
struct Mutator {
    let seeds: [[UInt8]]
    /// Inputs never grow past this many bytes.
    let maxLength: Int

    /// The `index`-th input of the run seeded with `seed`.
    func input(index: Int, seed: UInt64) -> [UInt8] {
        var rng = RandomGenerator(seed: seed &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15)
        var bytes = seeds[Int(rng.next() % UInt64(seeds.count))]
        let mutations = 1 + Int(rng.next() % 6)
        for _ in 0..<mutations {
            mutate(&bytes, rng: &rng)
        }
        return Array(bytes.prefix(maxLength))
    }

    /// Integers at the edges of the ranges parsers check: signed and unsigned limits,
    /// powers of two that overflow products (2^31, 2^32, 2^40 elements), and -1.
    static let interestingIntegers: [Int64] = [
        0, 1, -1, 2, 7, 8, 16, 127, 128, 255, 256, 1023, 1024, 4095, 4096, 65535, 65536,
        Int64(Int32.max), Int64(Int32.min), 1 << 31, 1 << 32, (1 << 32) + 1, 1 << 40, 1 << 48, 1 << 62,
        Int64.max, Int64.min, -(1 << 31), -(1 << 40),
    ]

    /// Pieces of JSON, YAML and the formats' own words, inserted where text formats break.
    static let tokens: [String] = [
        "{", "}", "[", "]", "\"", ":", ",", "\n", "\r\n", "\\", "\\u0000", "\\ud800", "\\u00e9", "null", "true",
        "false", "-", "-0", "1e309", "-1e309", "NaN", "Infinity", "1.5", "9999999999999999999999", "0x10",
        "- ", ": ", "&a", "*a", "!!binary", "!!float", "---", "...", "? ", "|", ">", "#", "~", "'", "%YAML 1.2",
        "\u{FEFF}", "\u{00}", "\u{FFFD}", "\u{1F600}", "\"__metadata__\"", "\"dtype\"", "\"F32\"", "\"BF16\"",
        "\"shape\"", "\"data_offsets\"", "\"prompt\"", "\"chosen\"", "\"rejected\"", "\"messages\"", "\"role\"",
        "\"content\"", "\"text\"", "\"completion\"", "\"files\"", "\"step\"", "\"sha256\"", "\"bytes\"", "\"merges\"",
        "\"vocab\"", "\"added_tokens\"", "\"model\"", "\"type\"", "\"BPE\"", "\"ByteLevel\"", "\"Sequence\"",
        "../", "/etc/passwd", "step-00000001",
    ]

    private func mutate(_ bytes: inout [UInt8], rng: inout RandomGenerator) {
        func position(_ extra: Int = 0) -> Int { Int(rng.next() % UInt64(bytes.count + extra)) }
        switch rng.next() % 12 {
        case 0 where !bytes.isEmpty:  // flip one bit
            let i = position()
            bytes[i] ^= 1 << UInt8(rng.next() % 8)
        case 1 where !bytes.isEmpty:  // a random byte
            bytes[position()] = UInt8(truncatingIfNeeded: rng.next())
        case 2 where !bytes.isEmpty:  // a boundary byte
            bytes[position()] = [0x00, 0x01, 0x7F, 0x80, 0xFF, 0x20, 0x0A][Int(rng.next() % 7)]
        case 3 where !bytes.isEmpty:  // a boundary integer over 1, 2, 4 or 8 bytes, little-endian
            let value = Self.interestingIntegers[Int(rng.next() % UInt64(Self.interestingIntegers.count))]
            let width = [1, 2, 4, 8][Int(rng.next() % 4)]
            let start = position()
            for k in 0..<width where start + k < bytes.count {
                bytes[start + k] = UInt8(truncatingIfNeeded: value >> (8 * k))
            }
        case 4:  // a boundary integer as decimal text, replacing a run of digits (JSON lengths, shapes, offsets)
            let value = Self.interestingIntegers[Int(rng.next() % UInt64(Self.interestingIntegers.count))]
            replaceDigits(in: &bytes, with: Array(String(value).utf8), rng: &rng)
        case 5 where !bytes.isEmpty:  // truncate
            bytes.removeSubrange(position()...)
        case 6:  // insert random bytes
            let count = 1 + Int(rng.next() % 16)
            bytes.insert(contentsOf: (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, at: position(1))
        case 7 where !bytes.isEmpty:  // delete a chunk
            let start = position()
            bytes.removeSubrange(start..<min(bytes.count, start + 1 + Int(rng.next() % 64)))
        case 8 where !bytes.isEmpty:  // duplicate a chunk somewhere else
            let start = position()
            let chunk = bytes[start..<min(bytes.count, start + 1 + Int(rng.next() % 64))]
            bytes.insert(contentsOf: chunk, at: position(1))
        case 9:  // splice with another seed: this one's head, the other's tail
            let other = seeds[Int(rng.next() % UInt64(seeds.count))]
            let cut = position(1), otherCut = other.isEmpty ? 0 : Int(rng.next() % UInt64(other.count))
            bytes = Array(bytes[..<cut]) + other[otherCut...]
        case 10, 11:  // a token of the text formats
            let token = Self.tokens[Int(rng.next() % UInt64(Self.tokens.count))]
            bytes.insert(contentsOf: Array(token.utf8), at: position(1))
        default:  // an empty input gets a random byte
            bytes.append(UInt8(truncatingIfNeeded: rng.next()))
        }
    }

    /// Replaces a randomly chosen run of ASCII digits (or inserts, when there is none).
    private func replaceDigits(in bytes: inout [UInt8], with digits: [UInt8], rng: inout RandomGenerator) {
        let isDigit = { (b: UInt8) in b >= 0x30 && b <= 0x39 }
        let starts = bytes.indices.filter { isDigit(bytes[$0]) && ($0 == 0 || !isDigit(bytes[$0 - 1])) }
        guard !starts.isEmpty else {
            bytes.insert(contentsOf: digits, at: Int(rng.next() % UInt64(bytes.count + 1)))
            return
        }
        let start = starts[Int(rng.next() % UInt64(starts.count))]
        var end = start
        while end < bytes.count && isDigit(bytes[end]) { end += 1 }
        bytes.replaceSubrange(start..<end, with: digits)
    }
}
