import Foundation

/// One human preference: a prompt and two responses to it, the preferred one first.
///
/// The responses do not repeat the prompt; for Anthropic HH data the prompt ends with
/// `"\n\nAssistant:"` and each response is the text after it (usually starting with a space).
public struct PreferencePair: Equatable, Sendable {
    public var prompt: String
    /// The response people preferred.
    public var chosen: String
    /// The response people liked less.
    public var rejected: String

    public init(prompt: String, chosen: String, rejected: String) {
        self.prompt = prompt
        self.chosen = chosen
        self.rejected = rejected
    }
}

/// The accepted shapes of a preference JSONL line, for error messages.
private let preferenceShapes = #"{"prompt","chosen","rejected"} or {"chosen","rejected"} whole dialogues"#

/// Loads human preference pairs from a `.jsonl` or `.jsonl.gz` file.
///
/// Each line is one of
/// - `{"prompt": "...", "chosen": "...", "rejected": "..."}`, responses apart from the prompt;
/// - Anthropic HH's `{"chosen": "...", "rejected": "..."}`, each a whole dialogue
///   `"\n\nHuman: ...\n\nAssistant: ..."`. The prompt is the text up to and including the last
///   `"\n\nAssistant:"` of each dialogue, and the responses are what follows. A dialogue without
///   that marker is a bad line.
///
/// Pairs that cannot teach a preference are skipped, counted in the summary and never mislabelled:
/// pairs whose chosen and rejected texts are identical (`identicalPairsSkipped`), and whole
/// dialogues that already differ before their last assistant turn, so that no single prompt is
/// shared (`mismatchedPromptsSkipped`). Other fields are ignored and blank lines skipped.
///
/// - Returns: the pairs in file order, and what was loaded and skipped.
/// - Throws: `DataError` naming the file and, for a bad line, its number and field; with
///   `options.skipBadLines`, bad lines are skipped instead and counted.
public func loadPreferencePairs(
    at url: URL, options: LoadOptions = LoadOptions()
) throws(DataError) -> (pairs: [PreferencePair], summary: LoadSummary) {
    guard try DataFileFormat(of: url) == .jsonLines else {
        throw .unsupportedFormat(path: url.path, detail: "preference pairs are read from .jsonl or .jsonl.gz files, one pair per line")
    }
    return try loadJSONLines(at: url, options: options, shapes: preferenceShapes, parse: preferencePair)
}

/// Loads the pairs of several files, in order, as one dataset (e.g. HH helpful-base and
/// harmless-base together); see `loadPreferencePairs(at:options:)` for the format.
public func loadPreferencePairs(
    at urls: [URL], options: LoadOptions = LoadOptions()
) throws(DataError) -> (pairs: [PreferencePair], summary: LoadSummary) {
    try loadEach(urls) { (url) throws(DataError) in try loadPreferencePairs(at: url, options: options) }
}

private func preferencePair(from record: JSONRecord) throws(DataError) -> ParsedLine<PreferencePair> {
    let chosen = try record.string("chosen")
    let rejected = try record.string("rejected")
    let location = "\(record.path):\(record.line)"
    if record.has("prompt") {
        let prompt = try record.string("prompt")
        // Bytes, not String's Unicode-equivalence `==`: only literally equal texts carry no preference.
        if chosen.utf8.elementsEqual(rejected.utf8) {
            return .identicalPair(message: "\(location): chosen and rejected are identical, so the pair expresses no preference; skipped")
        }
        return .record(PreferencePair(prompt: prompt, chosen: chosen, rejected: rejected))
    }
    switch AnthropicHH.split(chosen: chosen, rejected: rejected) {
    case .pair(let pair):
        return .record(pair)
    case .identical:
        return .identicalPair(message: "\(location): chosen and rejected dialogues are identical, so the pair expresses no preference; skipped")
    case .mismatchedPrompts:
        return .mismatchedPrompts(
            message: "\(location): chosen and rejected dialogues differ before their last \"\\n\\nAssistant:\", so they answer different prompts; skipped")
    case .missingMarker(let field):
        throw .invalidValue(
            path: record.path, line: record.line, field: field,
            reason: "has no \"\\n\\nAssistant:\" turn, so its prompt and response cannot be told apart; add a \"prompt\" field or use the HH dialogue form")
    }
}
