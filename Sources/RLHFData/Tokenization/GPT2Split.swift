/// GPT-2's pre-tokenization pattern, as a hand-written scanner over UTF-8 bytes:
///
///     's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
///
/// A scanner rather than a regular expression: it needs no regex engine (Foundation's works on
/// UTF-16 and Swift's `Regex` on Characters, while tokenizers need Unicode scalars), and it
/// makes the one subtle rule explicit: a run of whitespace before a word leaves its last
/// character to start that word (`"a  b"` splits as `a`, ` `, ` b`).
/// `\s` is Unicode White_Space and `\p{L}`/`\p{N}` are the letter and number categories, as in
/// the Oniguruma engine the Hugging Face library uses.
enum GPT2Split {
    enum CharacterClass {
        case letter, number, whitespace, other
    }

    /// Calls `body` with the byte range of each piece of `bytes` (valid UTF-8), in order; the
    /// pieces cover `bytes` exactly.
    static func forEachPiece(in bytes: [UInt8], _ body: (Range<Int>) -> Void) {
        var start = 0
        while start < bytes.count {
            let end = pieceEnd(in: bytes, from: start)
            body(start..<end)
            start = end
        }
    }

    /// The end of the piece starting at `start`: the first alternative of the pattern that
    /// matches there, as a backtracking engine would choose it.
    private static func pieceEnd(in bytes: [UInt8], from start: Int) -> Int {
        let (first, firstLength) = scalar(in: bytes, at: start)
        if first == UInt32(UInt8(ascii: "'")), let end = contractionEnd(in: bytes, from: start) {
            return end
        }
        var runStart = start
        var runClass = characterClass(of: first)
        // ` ?X+`: a single space joins the letters, digits or symbols that follow it.
        if first == 0x20, start + firstLength < bytes.count {
            let nextClass = characterClass(of: scalar(in: bytes, at: start + firstLength).value)
            if nextClass != .whitespace {
                runStart = start + firstLength
                runClass = nextClass
            }
        }
        guard runClass == .whitespace else {
            return runEnd(in: bytes, from: runStart, of: runClass)
        }
        // `\s+(?!\S)` then `\s+`: a whitespace run followed by a non-space gives up its last
        // character unless that would leave it empty.
        var end = start
        var lastStart = start
        var count = 0
        while end < bytes.count {
            let (value, length) = scalar(in: bytes, at: end)
            guard characterClass(of: value) == .whitespace else { break }
            lastStart = end
            end += length
            count += 1
        }
        return end == bytes.count || count == 1 ? end : lastStart
    }

    /// The end of `'s`, `'t`, `'re`, `'ve`, `'m`, `'ll` or `'d` at `start` (case-sensitive), if any.
    private static func contractionEnd(in bytes: [UInt8], from start: Int) -> Int? {
        func byte(_ offset: Int) -> UInt8? {
            start + offset < bytes.count ? bytes[start + offset] : nil
        }
        switch byte(1) {
        case UInt8(ascii: "s"), UInt8(ascii: "t"), UInt8(ascii: "m"), UInt8(ascii: "d"):
            return start + 2
        case UInt8(ascii: "r"), UInt8(ascii: "v"):
            return byte(2) == UInt8(ascii: "e") ? start + 3 : nil
        case UInt8(ascii: "l"):
            return byte(2) == UInt8(ascii: "l") ? start + 3 : nil
        default:
            return nil
        }
    }

    /// The end of the run of characters of class `runClass` starting at `start`.
    private static func runEnd(in bytes: [UInt8], from start: Int, of runClass: CharacterClass) -> Int {
        var end = start
        while end < bytes.count {
            let (value, length) = scalar(in: bytes, at: end)
            guard characterClass(of: value) == runClass else { break }
            end += length
        }
        return end
    }

    /// The scalar value and byte length of the UTF-8 sequence at `index` (input is valid UTF-8).
    @inline(__always)
    static func scalar(in bytes: [UInt8], at index: Int) -> (value: UInt32, length: Int) {
        let lead = bytes[index]
        if lead < 0x80 { return (UInt32(lead), 1) }
        if lead < 0xE0 {
            return ((UInt32(lead & 0x1F) << 6) | UInt32(bytes[index + 1] & 0x3F), 2)
        }
        if lead < 0xF0 {
            return ((UInt32(lead & 0x0F) << 12) | (UInt32(bytes[index + 1] & 0x3F) << 6)
                | UInt32(bytes[index + 2] & 0x3F), 3)
        }
        return ((UInt32(lead & 0x07) << 18) | (UInt32(bytes[index + 1] & 0x3F) << 12)
            | (UInt32(bytes[index + 2] & 0x3F) << 6) | UInt32(bytes[index + 3] & 0x3F), 4)
    }

    /// ASCII classes by table, since nearly all text is ASCII.
    private static let asciiClasses: [CharacterClass] = (0..<128).map { value in
        switch UInt8(value) {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"): .letter
        case UInt8(ascii: "0")...UInt8(ascii: "9"): .number
        case 0x09...0x0D, 0x20: .whitespace
        default: .other
        }
    }

    @inline(__always)
    static func characterClass(of value: UInt32) -> CharacterClass {
        if value < 128 { return asciiClasses[Int(value)] }
        guard let scalar = Unicode.Scalar(value) else { return .other }
        if scalar.properties.isWhitespace { return .whitespace }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            return .letter
        case .decimalNumber, .letterNumber, .otherNumber:
            return .number
        default:
            return .other
        }
    }
}
