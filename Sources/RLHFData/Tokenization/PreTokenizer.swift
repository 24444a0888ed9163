/// The `pre_tokenizer` steps of a `tokenizer.json` that this tokenizer implements: GPT-2's
/// byte-level split and sentencepiece's metaspace. They cut normalized text into the words
/// that BPE merges within.
enum PreTokenizer: Equatable, Sendable {
    /// Optionally puts a space before text that does not start with one, splits it with the
    /// GPT-2 pattern (`useRegex`), and spells words in the byte-level alphabet. `trimOffsets`
    /// only affects character offsets, which this tokenizer does not report; it is kept so
    /// that a written file says what was read.
    case byteLevel(addPrefixSpace: Bool, trimOffsets: Bool, useRegex: Bool)
    /// Replaces spaces with `replacement`, prepends one per `prependScheme`, and, if `split`,
    /// starts a new word at every replacement character.
    case metaspace(replacement: Unicode.Scalar, prependScheme: PrependScheme, split: Bool)
    /// Applies each step in order to every word the previous step produced.
    case sequence([PreTokenizer])

    /// When a metaspace pre-tokenizer adds its replacement character at the start of text.
    enum PrependScheme: String, Equatable, Sendable {
        /// Before every piece of text (pieces are separated by added tokens).
        case always
        /// Only before text at the very start of the input.
        case first
        /// Never.
        case never
    }

    /// A word: normalized text as UTF-8, and whether it begins the input (which the
    /// `first` prepend scheme needs to know).
    struct Word {
        var bytes: [UInt8]
        var startsInput: Bool
    }

    /// Whether the words this produces are spelled in the byte-level alphabet.
    var isByteLevel: Bool {
        switch self {
        case .byteLevel: true
        case .metaspace: false
        case .sequence(let steps): steps.contains(where: \.isByteLevel)
        }
    }

    /// The non-empty words `words` split into.
    func split(_ words: [Word]) -> [Word] {
        switch self {
        case .sequence(let steps):
            return steps.reduce(words) { $1.split($0) }
        case .byteLevel(let addPrefixSpace, _, let useRegex):
            var result: [Word] = []
            for var word in words where !word.bytes.isEmpty {
                if addPrefixSpace, word.bytes.first != 0x20 {
                    word.bytes.insert(0x20, at: 0)
                }
                guard useRegex else {
                    result.append(word)
                    continue
                }
                GPT2Split.forEachPiece(in: word.bytes) { range in
                    result.append(Word(bytes: Array(word.bytes[range]), startsInput: word.startsInput && range.lowerBound == 0))
                }
            }
            return result
        case .metaspace(let replacement, let prependScheme, let split):
            let marker = Array(String(replacement).utf8)
            var result: [Word] = []
            for word in words where !word.bytes.isEmpty {
                var bytes = replacingOccurrences(in: word.bytes, of: [0x20], with: marker)
                let prepends = switch prependScheme {
                case .always: true
                case .first: word.startsInput
                case .never: false
                }
                if prepends, !bytes.starts(with: marker) {
                    bytes = marker + bytes
                }
                guard split else {
                    result.append(Word(bytes: bytes, startsInput: word.startsInput))
                    continue
                }
                result += Self.splitBefore(marker, in: bytes).map {
                    Word(bytes: Array(bytes[$0]), startsInput: word.startsInput && $0.lowerBound == 0)
                }
            }
            return result
        }
    }

    /// Ranges of `bytes` such that each occurrence of `marker` starts a new range.
    private static func splitBefore(_ marker: [UInt8], in bytes: [UInt8]) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start = 0
        var index = 0
        while index < bytes.count {
            if index > start, bytes[index...].starts(with: marker) {
                ranges.append(start..<index)
                start = index
            }
            index += bytes[index...].starts(with: marker) ? marker.count : 1
        }
        if start < bytes.count {
            ranges.append(start..<bytes.count)
        }
        return ranges
    }
}
