import Foundation

/// One supervised fine-tuning demonstration: a prompt and the response to learn.
public struct SFTExample: Equatable, Sendable {
    /// The two shapes of a demonstration.
    public enum Content: Equatable, Sendable {
        /// A prompt and the completion to learn; the loss covers the completion only.
        case completion(prompt: String, completion: String)
        /// A conversation; the loss covers the assistant turns only.
        case messages([ChatMessage])
    }

    public var content: Content

    public init(content: Content) {
        self.content = content
    }

    public init(prompt: String, completion: String) {
        content = .completion(prompt: prompt, completion: completion)
    }

    public init(messages: [ChatMessage]) {
        content = .messages(messages)
    }

    /// The text that identifies what the example asks, to keep examples with the same question on
    /// the same side of a train/eval split: the prompt, or the content of the first user message
    /// (the first message if there is no user message).
    public var promptKey: String {
        switch content {
        case .completion(let prompt, _):
            prompt
        case .messages(let messages):
            (messages.first { $0.role == .user } ?? messages.first)?.content ?? ""
        }
    }
}

/// The accepted shapes of an SFT JSONL line, for error messages.
private let sftShapes = #"{"prompt","completion"} or {"messages":[...]}"#

/// Loads supervised fine-tuning demonstrations.
///
/// - A `.jsonl` or `.jsonl.gz` file holds one example per line, either
///   `{"prompt": "...", "completion": "..."}` (the completion must not be empty) or
///   `{"messages": [{"role": "system"|"user"|"assistant", "content": "..."}, ...]}` with at least
///   one assistant turn. A line with `messages` is read as a conversation. Other fields are
///   ignored and blank lines skipped.
/// - A `.txt` or `.txt.gz` file gives one example per paragraph (see `loadTextDocuments`), with
///   an empty prompt and the paragraph as completion, so that plain text can be fine-tuned on.
///
/// - Returns: the examples in file order, and what was loaded and skipped.
/// - Throws: `DataError` naming the file and, for a bad line, its number and field (such as
///   `messages[3].role`); with `options.skipBadLines`, bad lines are skipped instead and counted.
public func loadSFTExamples(
    at url: URL, options: LoadOptions = LoadOptions()
) throws(DataError) -> (examples: [SFTExample], summary: LoadSummary) {
    switch try DataFileFormat(of: url) {
    case .plainText:
        try loadTextBlocks(at: url, options: options, byParagraph: true) { SFTExample(prompt: "", completion: $0) }
    case .jsonLines:
        try loadJSONLines(at: url, options: options, shapes: sftShapes) { (record) throws(DataError) in
            .record(try sftExample(from: record))
        }
    }
}

/// Loads the demonstrations of several files, in order, as one dataset; see
/// `loadSFTExamples(at:options:)` for the formats.
public func loadSFTExamples(
    at urls: [URL], options: LoadOptions = LoadOptions()
) throws(DataError) -> (examples: [SFTExample], summary: LoadSummary) {
    try loadEach(urls) { (url) throws(DataError) in try loadSFTExamples(at: url, options: options) }
}

private func sftExample(from record: JSONRecord) throws(DataError) -> SFTExample {
    if record.has("messages") {
        let messages = try chatMessages(from: record)
        guard messages.contains(where: { $0.role == .assistant }) else {
            throw .invalidValue(
                path: record.path, line: record.line, field: "messages",
                reason: "has no assistant turn; SFT learns the assistant's replies, so add at least one")
        }
        return SFTExample(messages: messages)
    }
    let prompt = try record.string("prompt")
    let completion = try record.string("completion")
    guard !completion.isEmpty else {
        throw .invalidValue(
            path: record.path, line: record.line, field: "completion",
            reason: "is empty; SFT learns the completion, so there is nothing to train on")
    }
    return SFTExample(prompt: prompt, completion: completion)
}

/// The conversation in the record's `messages` field, each turn checked for a known role and a
/// text content; fields are named like `messages[3].role`, counting from 0.
func chatMessages(from record: JSONRecord) throws(DataError) -> [ChatMessage] {
    let turnShape = #"{"role","content"}"#
    let turns = try record.value(record.fields["messages"], named: "messages", as: [Any].self, shapes: sftShapes)
    var messages: [ChatMessage] = []
    messages.reserveCapacity(turns.count)
    for (index, turn) in turns.enumerated() {
        let name = "messages[\(index)]"
        let fields = try record.value(turn, named: name, as: [String: Any].self, shapes: turnShape)
        let roleName = try record.value(fields["role"], named: name + ".role", as: String.self, shapes: turnShape)
        guard let role = ChatMessage.Role(rawValue: roleName) else {
            let known = ChatMessage.Role.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            throw .invalidValue(
                path: record.path, line: record.line, field: name + ".role",
                reason: "is \"\(roleName)\", expected one of \(known)")
        }
        let content = try record.value(fields["content"], named: name + ".content", as: String.self, shapes: turnShape)
        messages.append(ChatMessage(role: role, content: content))
    }
    return messages
}
