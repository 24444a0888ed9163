/// The `decoder` steps of a `tokenizer.json` that this tokenizer implements, turning token
/// strings back into text exactly as the Hugging Face library does.
enum TokenDecoder: Equatable, Sendable {
    /// Reads every token as byte-level alphabet characters (a token with a character outside
    /// the alphabet contributes its own UTF-8) and joins the bytes into one string, with
    /// invalid UTF-8 replaced by U+FFFD. The parameters only matter to the pre-tokenizer of
    /// the same name; they are kept so that a written file says what was read.
    case byteLevel(addPrefixSpace: Bool, trimOffsets: Bool, useRegex: Bool)
    /// Replaces every occurrence of `pattern` in each token with `content`.
    case replace(pattern: String, content: String)
    /// Turns runs of `<0xXX>` tokens into the text of their bytes, or one U+FFFD per byte when
    /// the run is not valid UTF-8.
    case byteFallback
    /// Joins all tokens into one.
    case fuse
    /// Removes up to `start` leading and `stop` trailing `content` characters from each token.
    case strip(content: Unicode.Scalar, start: Int, stop: Int)
    /// Turns `replacement` back into spaces, dropping them from the first token unless the
    /// pre-tokenizer never prepends one.
    case metaspace(replacement: Unicode.Scalar, prependScheme: PreTokenizer.PrependScheme, split: Bool)
    /// Applies each step in order.
    case sequence([TokenDecoder])

    /// The tokens after this step; the decoded text is their concatenation.
    func decode(_ tokens: [String]) -> [String] {
        switch self {
        case .byteLevel:
            var bytes: [UInt8] = []
            for token in tokens {
                bytes += ByteLevelAlphabet.decode(token) ?? Array(token.utf8)
            }
            return [String(decoding: bytes, as: UTF8.self)]
        case .replace(let pattern, let content):
            return tokens.map {
                String(decoding: replacingOccurrences(in: Array($0.utf8), of: Array(pattern.utf8), with: Array(content.utf8)), as: UTF8.self)
            }
        case .byteFallback:
            return Self.fuseByteTokens(tokens)
        case .fuse:
            return [tokens.joined()]
        case .strip(let content, let start, let stop):
            return tokens.map { Self.strip($0, content: content, start: start, stop: stop) }
        case .metaspace(let replacement, let prependScheme, _):
            return tokens.enumerated().map { index, token in
                var text = String.UnicodeScalarView()
                for scalar in token.unicodeScalars {
                    if scalar != replacement {
                        text.append(scalar)
                    } else if index > 0 || prependScheme == .never {
                        text.append(" ")
                    }
                }
                return String(text)
            }
        case .sequence(let steps):
            return steps.reduce(tokens) { $1.decode($0) }
        }
    }

    private static func fuseByteTokens(_ tokens: [String]) -> [String] {
        var result: [String] = []
        var pending: [UInt8] = []
        func flush() {
            guard !pending.isEmpty else { return }
            let text = String(decoding: pending, as: UTF8.self)
            if text.utf8.elementsEqual(pending) {
                result.append(text)
            } else {
                result.append(String(repeating: "\u{FFFD}", count: pending.count))
            }
            pending.removeAll()
        }
        for token in tokens {
            if let byte = fallbackByte(token) {
                pending.append(byte)
            } else {
                flush()
                result.append(token)
            }
        }
        flush()
        return result
    }

    /// The byte a `<0xXX>` token stands for (hex digits in either case), or nil.
    static func fallbackByte(_ token: String) -> UInt8? {
        let utf8 = Array(token.utf8)
        guard utf8.count == 6, utf8.starts(with: Array("<0x".utf8)), utf8[5] == UInt8(ascii: ">"),
              let high = Character(Unicode.Scalar(utf8[3])).hexDigitValue,
              let low = Character(Unicode.Scalar(utf8[4])).hexDigitValue
        else { return nil }
        return UInt8(high * 16 + low)
    }

    private static func strip(_ token: String, content: Unicode.Scalar, start: Int, stop: Int) -> String {
        let scalars = Array(token.unicodeScalars)
        var lower = 0
        while lower < min(start, scalars.count), scalars[lower] == content {
            lower += 1
        }
        var upper = scalars.count
        while scalars.count - upper < stop, upper > lower, scalars[upper - 1] == content {
            upper -= 1
        }
        var text = String.UnicodeScalarView()
        text.append(contentsOf: scalars[lower..<upper])
        return String(text)
    }
}
