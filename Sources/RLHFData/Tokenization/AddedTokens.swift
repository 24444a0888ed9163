/// A token from `tokenizer.json`'s `added_tokens`: matched verbatim in text before
/// normalization and pre-tokenization (e.g. `<|endoftext|>`), so it can never be split by BPE.
struct AddedToken: Equatable, Sendable {
    var id: Int32
    var content: String
    /// Special tokens decode to nothing.
    var isSpecial: Bool
    /// Matches only when not inside a word.
    var isSingleWord: Bool = false
    /// Swallows the whitespace on its left.
    var stripsLeft: Bool = false
    /// Swallows the whitespace on its right.
    var stripsRight: Bool = false
    /// Matched in normalized text rather than the raw input.
    var isNormalized: Bool

    static func == (lhs: AddedToken, rhs: AddedToken) -> Bool {
        lhs.id == rhs.id && lhs.content.utf8.elementsEqual(rhs.content.utf8) && lhs.isSpecial == rhs.isSpecial
            && lhs.isSingleWord == rhs.isSingleWord && lhs.stripsLeft == rhs.stripsLeft
            && lhs.stripsRight == rhs.stripsRight && lhs.isNormalized == rhs.isNormalized
    }
}

/// Finds added tokens in text the way the Hugging Face library does: leftmost match first,
/// the longest token at that position, matches never overlapping.
struct AddedTokenMatcher: Sendable {
    /// A part of the text: plain text for the rest of the pipeline, or a matched token.
    enum Segment: Equatable {
        case text(Range<Int>)
        case token(Int32)
    }

    private struct Pattern: Sendable {
        var bytes: [UInt8]
        var token: AddedToken
    }

    /// Patterns by first byte, longest first, so the first hit at a position is the longest.
    private let patternsByFirstByte: [[Pattern]]
    let isEmpty: Bool

    /// A matcher for `tokens`, each matched as `spelling(token)` (its content, or its
    /// normalized content for tokens matched in normalized text).
    init(tokens: [AddedToken], spelling: (AddedToken) -> [UInt8]) {
        var buckets = [[Pattern]](repeating: [], count: 256)
        for token in tokens {
            let bytes = spelling(token)
            guard let first = bytes.first else { continue }
            buckets[Int(first)].append(Pattern(bytes: bytes, token: token))
        }
        patternsByFirstByte = buckets.map { bucket in
            // Stable by length so that, among equal spellings, the earlier token wins.
            bucket.enumerated().sorted { ($0.element.bytes.count, -$0.offset) > ($1.element.bytes.count, -$1.offset) }.map(\.element)
        }
        isEmpty = buckets.allSatisfy(\.isEmpty)
    }

    /// `text` cut into plain text and added tokens, covering it in order.
    func segments(of text: [UInt8]) -> [Segment] {
        guard !isEmpty else { return text.isEmpty ? [] : [.text(0..<text.count)] }
        var segments: [Segment] = []
        var textStart = 0
        var searchFrom = 0
        while let (match, token) = nextMatch(in: text, from: searchFrom) {
            searchFrom = match.upperBound
            var start = match.lowerBound
            var stop = match.upperBound
            if token.isSingleWord {
                let wordBefore = start > 0 && Self.isWordScalar(before: start, in: text)
                let wordAfter = stop < text.count && Self.isWordScalar(at: stop, in: text)
                if wordBefore || wordAfter { continue }
            }
            if token.stripsLeft {
                start = max(Self.whitespaceStart(before: start, in: text), textStart)
            }
            if token.stripsRight {
                stop = Self.whitespaceEnd(from: stop, in: text)
                searchFrom = stop
            }
            if textStart < start {
                segments.append(.text(textStart..<start))
            }
            segments.append(.token(token.id))
            textStart = stop
        }
        if textStart < text.count {
            segments.append(.text(textStart..<text.count))
        }
        return segments
    }

    private func nextMatch(in text: [UInt8], from start: Int) -> (Range<Int>, AddedToken)? {
        var index = start
        while index < text.count {
            for pattern in patternsByFirstByte[Int(text[index])]
            where text.count - index >= pattern.bytes.count && text[index..<(index + pattern.bytes.count)].elementsEqual(pattern.bytes) {
                return (index..<(index + pattern.bytes.count), pattern.token)
            }
            index += 1
        }
        return nil
    }

    /// Scalars of `text` (valid UTF-8) as (start offset, scalar), for the whitespace and word
    /// tests around a match.
    private static func scalar(endingAt end: Int, in text: [UInt8]) -> (start: Int, scalar: Unicode.Scalar)? {
        var start = end - 1
        while start > 0, text[start] & 0xC0 == 0x80 {
            start -= 1
        }
        guard start >= 0 else { return nil }
        return (start, Unicode.Scalar(GPT2Split.scalar(in: text, at: start).value) ?? "\u{FFFD}")
    }

    /// Regex `\w`: alphabetic, marks, decimal digits, connector punctuation, join controls.
    private static func isWord(_ scalar: Unicode.Scalar) -> Bool {
        let properties = scalar.properties
        switch properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .connectorPunctuation:
            return true
        default:
            return properties.isAlphabetic || properties.isJoinControl
        }
    }

    private static func isWordScalar(before end: Int, in text: [UInt8]) -> Bool {
        scalar(endingAt: end, in: text).map { isWord($0.scalar) } ?? false
    }

    private static func isWordScalar(at start: Int, in text: [UInt8]) -> Bool {
        Unicode.Scalar(GPT2Split.scalar(in: text, at: start).value).map(isWord) ?? false
    }

    /// The start of the whitespace run that ends at `end`.
    private static func whitespaceStart(before end: Int, in text: [UInt8]) -> Int {
        var start = end
        while start > 0, let (previous, scalar) = scalar(endingAt: start, in: text), scalar.properties.isWhitespace {
            start = previous
        }
        return start
    }

    /// The end of the whitespace run that starts at `start`.
    private static func whitespaceEnd(from start: Int, in text: [UInt8]) -> Int {
        var end = start
        while end < text.count {
            let (value, length) = GPT2Split.scalar(in: text, at: end)
            guard let scalar = Unicode.Scalar(value), scalar.properties.isWhitespace else { break }
            end += length
        }
        return end
    }
}
