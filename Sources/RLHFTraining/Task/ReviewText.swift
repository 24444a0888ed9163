/// How the built-in task cuts text into words, punctuation and sentences.
///
/// Words are separated by any whitespace; punctuation at the end of a word becomes tokens of
/// its own ("kettle." is "kettle", "."), so a template's words match however the text is
/// spaced. Punctuation elsewhere stays inside its word, which then matches no template.
enum ReviewText {
    /// The words and punctuation of `text`, in order.
    static func tokens(of text: String) -> [String] {
        var tokens: [String] = []
        for word in text.utf8.split(whereSeparator: isWhitespace) {
            var end = word.endIndex
            while end > word.startIndex, isPunctuation(word[word.index(before: end)]) {
                end = word.index(before: end)
            }
            if end > word.startIndex {
                tokens.append(String(decoding: word[word.startIndex..<end], as: UTF8.self))
            }
            tokens.append(contentsOf: word[end...].map { String(UnicodeScalar($0)) })
        }
        return tokens
    }

    /// The words of `text`, without punctuation.
    static func words(of text: String) -> [String] {
        tokens(of: text).filter { !isPunctuation($0) }
    }

    /// `tokens` cut after each terminator into sentences (each with its terminator), and what
    /// follows the last terminator.
    static func sentences(of tokens: [String]) -> (complete: [ArraySlice<String>], unterminated: ArraySlice<String>) {
        var sentences: [ArraySlice<String>] = []
        var start = tokens.startIndex
        for index in tokens.indices where isTerminator(tokens[index]) {
            sentences.append(tokens[start...index])
            start = index + 1
        }
        return (sentences, tokens[start...])
    }

    /// Appends `token` to `text`: after one space for a word, attached for punctuation.
    static func append(_ token: String, to text: inout String) {
        if !text.isEmpty && !isPunctuation(token) {
            text += " "
        }
        text += token
    }

    /// Whether `token` is one punctuation mark (the tokens `tokens(of:)` splits off).
    static func isPunctuation(_ token: String) -> Bool {
        token.utf8.count == 1 && token.utf8.first.map(isPunctuation) == true
    }

    /// Whether `token` ends a sentence: ".", "!" or "?".
    static func isTerminator(_ token: String) -> Bool {
        token == "." || token == "!" || token == "?"
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r")
    }

    private static func isPunctuation(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: ".") || byte == UInt8(ascii: ",") || byte == UInt8(ascii: "!")
            || byte == UInt8(ascii: "?") || byte == UInt8(ascii: ";") || byte == UInt8(ascii: ":")
    }
}
