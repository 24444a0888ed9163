import Foundation

/// The accepted shapes of a prompt JSONL line, for error messages.
private let promptShapes = #"{"prompt"}, {"chosen","rejected"} whole dialogues or {"messages":[...]}"#

/// Loads the prompts that RL rollouts start from.
///
/// - A `.jsonl` or `.jsonl.gz` file gives one prompt per line, so prompt, preference and SFT
///   files all serve:
///   - a line with a `"prompt"` string gives that prompt (prompt files, explicit preference
///     pairs, prompt/completion SFT examples);
///   - otherwise an Anthropic HH line `{"chosen","rejected"}` gives the chosen dialogue up to
///     and including its last `"\n\nAssistant:"` (no preference is read, so pairs that the
///     preference loader skips still give their prompt);
///   - otherwise a `{"messages":[...]}` conversation gives its first user message.
///   Other fields are ignored and blank lines skipped.
/// - A `.txt` or `.txt.gz` file gives one prompt per non-blank line.
///
/// - Returns: the prompts in file order, and what was loaded and skipped.
/// - Throws: `DataError` naming the file and, for a bad line, its number and field; with
///   `options.skipBadLines`, bad lines are skipped instead and counted.
public func loadPrompts(
    at url: URL, options: LoadOptions = LoadOptions()
) throws(DataError) -> (prompts: [String], summary: LoadSummary) {
    switch try DataFileFormat(of: url) {
    case .plainText:
        try loadTextBlocks(at: url, options: options, byParagraph: false) { $0 }
    case .jsonLines:
        try loadJSONLines(at: url, options: options, shapes: promptShapes) { (record) throws(DataError) in
            .record(try prompt(from: record))
        }
    }
}

/// Loads the prompts of several files, in order, as one set; see `loadPrompts(at:options:)`
/// for the formats.
public func loadPrompts(
    at urls: [URL], options: LoadOptions = LoadOptions()
) throws(DataError) -> (prompts: [String], summary: LoadSummary) {
    try loadEach(urls) { (url) throws(DataError) in try loadPrompts(at: url, options: options) }
}

private func prompt(from record: JSONRecord) throws(DataError) -> String {
    guard !record.has("prompt") else {
        return try record.string("prompt")
    }
    if record.has("chosen") {
        let dialogue = try record.string("chosen")
        guard let prompt = AnthropicHH.prompt(of: dialogue) else {
            throw .invalidValue(
                path: record.path, line: record.line, field: "chosen",
                reason: "has no \"\\n\\nAssistant:\" turn, so its prompt cannot be told apart; add a \"prompt\" field")
        }
        return prompt
    }
    if record.has("messages") {
        let messages = try chatMessages(from: record)
        guard let firstUserTurn = messages.first(where: { $0.role == .user }) else {
            throw .invalidValue(
                path: record.path, line: record.line, field: "messages",
                reason: "has no user turn to take the prompt from")
        }
        return firstUserTurn.content
    }
    // A line in none of the forms lacks the field that the plain prompt form needs.
    return try record.string("prompt")
}
