/// The `normalizer` steps of a `tokenizer.json` that this tokenizer implements: the ones
/// sentencepiece-style (Llama) tokenizers use to turn spaces into "▁". Unicode normalization
/// forms are not implemented, because matching the Hugging Face library's Unicode tables
/// exactly is not possible with the standard library's; such files are rejected at load.
enum Normalizer: Equatable, Sendable {
    /// Puts `prefix` before any non-empty text.
    case prepend(String)
    /// Replaces every occurrence of `pattern` (a literal string) with `content`.
    case replace(pattern: String, content: String)
    /// Applies each step in order.
    case sequence([Normalizer])

    /// The normalized form of `text`, as UTF-8.
    func apply(to text: [UInt8]) -> [UInt8] {
        switch self {
        case .prepend(let prefix):
            text.isEmpty ? text : Array(prefix.utf8) + text
        case .replace(let pattern, let content):
            replacingOccurrences(in: text, of: Array(pattern.utf8), with: Array(content.utf8))
        case .sequence(let steps):
            steps.reduce(text) { $1.apply(to: $0) }
        }
    }
}

/// `text` with each non-overlapping occurrence of `pattern`, scanning left to right, replaced.
/// Compares bytes rather than `String`s because Swift's string comparison treats canonically
/// equivalent text as equal, and tokenizers must not ("é" and "e\u{301}" are different tokens).
func replacingOccurrences(in text: [UInt8], of pattern: [UInt8], with replacement: [UInt8]) -> [UInt8] {
    guard let first = pattern.first, text.count >= pattern.count else { return text }
    var result: [UInt8] = []
    result.reserveCapacity(text.count)
    var index = 0
    while index < text.count {
        if text[index] == first, text.count - index >= pattern.count,
           text[index..<(index + pattern.count)].elementsEqual(pattern) {
            result.append(contentsOf: replacement)
            index += pattern.count
        } else {
            result.append(text[index])
            index += 1
        }
    }
    return result
}
