import Foundation

/// A story split the way `StoryJudge` reads it: sentences, and the lowercased words of each.
struct StoryText: Equatable, Sendable {
    /// The sentences in order, trimmed; the last one may be unfinished.
    let sentences: [String]
    /// Each sentence's words: runs of letters and apostrophes, lowercased.
    let words: [[String]]
    /// Whether the text ends with a finished sentence (`.`, `!` or `?`, perhaps inside quotes).
    let isFinished: Bool

    init(_ text: String) {
        let normalized = text.replacingOccurrences(of: "\u{2019}", with: "'")
        var sentences: [String] = [], current = ""
        var characters = normalized.makeIterator()
        var pending = characters.next()
        while let character = pending {
            current.append(character)
            pending = characters.next()
            guard Self.sentenceEnds.contains(character) else { continue }
            // A closing quote right after the full stop belongs to the sentence it closes.
            while let next = pending, Self.closingQuotes.contains(next) {
                current.append(next)
                pending = characters.next()
            }
            sentences.append(current)
            current = ""
        }
        sentences.append(current)
        self.sentences = sentences.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
        words = self.sentences.map(Self.words)
        let last = normalized.trimmingCharacters(in: .whitespacesAndNewlines).reversed().first { !Self.closingQuotes.contains($0) }
        isFinished = last.map(Self.sentenceEnds.contains) ?? false
    }

    /// Every word of the text, in order.
    var allWords: [String] { words.flatMap { $0 } }

    /// The lowercased words of `text`: maximal runs of letters and apostrophes, with apostrophes
    /// at either end dropped (quotes, not contractions).
    static func words(_ text: String) -> [String] {
        text.lowercased()
            .split { !($0.isLetter || $0 == "'") }
            .map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "'")) }
            .filter { !$0.isEmpty }
    }

    private static let sentenceEnds: Set<Character> = [".", "!", "?"]
    private static let closingQuotes: Set<Character> = ["\"", "'", "\u{201D}"]
}
