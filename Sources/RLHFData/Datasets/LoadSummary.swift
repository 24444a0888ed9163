/// How a loader treats lines that do not hold a usable record.
public struct LoadOptions: Equatable, Sendable {
    /// Skip bad lines (not JSON, missing or mistyped fields, invalid text), count them and keep
    /// the first few messages in the summary, instead of stopping at the first one.
    /// Problems with the file as a whole (missing, unreadable, truncated) always stop the load.
    public var skipBadLines: Bool

    public init(skipBadLines: Bool = false) {
        self.skipBadLines = skipBadLines
    }
}

/// What a loader read and what it left out, to log at the start of a run.
public struct LoadSummary: Equatable, Sendable, CustomStringConvertible {
    /// How many problem messages a summary keeps; the counts cover all of them.
    public static let maxProblems = 5

    /// The file read, or the files read separated by `" + "` for a merged summary.
    public var path: String
    /// Lines read, including blank and bad ones.
    public var linesRead = 0
    /// Records returned to the caller.
    public var recordsLoaded = 0
    /// Lines skipped because `LoadOptions.skipBadLines` was set and they held no valid record.
    public var badLinesSkipped = 0
    /// Preference pairs skipped because the chosen and rejected texts are identical, so they
    /// express no preference.
    public var identicalPairsSkipped = 0
    /// Whole-dialogue preference pairs skipped because the two dialogues already differ before
    /// their last assistant turn, so there is no single prompt that both answer.
    public var mismatchedPromptsSkipped = 0
    /// The messages of the first skipped lines and pairs, at most `maxProblems` of them.
    public var firstProblems: [String] = []

    public init(path: String) {
        self.path = path
    }

    /// One line of counts, then the kept problem messages, one per indented line.
    public var description: String {
        var text = "\(path): loaded \(recordsLoaded) records from \(linesRead) lines"
        if let skips = skipCounts {
            text += "; skipped " + skips
        }
        for problem in firstProblems {
            text += "\n  " + problem
        }
        return text
    }

    /// The non-zero skip counts, e.g. `bad lines: 2, identical pairs: 1`, or `nil` if nothing was skipped.
    var skipCounts: String? {
        let counts = [
            ("bad lines", badLinesSkipped),
            ("identical pairs", identicalPairsSkipped),
            ("pairs with mismatched prompts", mismatchedPromptsSkipped),
        ].filter { $0.1 > 0 }
        guard !counts.isEmpty else { return nil }
        return counts.map { "\($0.0): \($0.1)" }.joined(separator: ", ")
    }

    /// The summary of loading this file and then `other`, as one dataset.
    public func merged(with other: LoadSummary) -> LoadSummary {
        var merged = LoadSummary(path: path + " + " + other.path)
        merged.linesRead = linesRead + other.linesRead
        merged.recordsLoaded = recordsLoaded + other.recordsLoaded
        merged.badLinesSkipped = badLinesSkipped + other.badLinesSkipped
        merged.identicalPairsSkipped = identicalPairsSkipped + other.identicalPairsSkipped
        merged.mismatchedPromptsSkipped = mismatchedPromptsSkipped + other.mismatchedPromptsSkipped
        merged.firstProblems = Array((firstProblems + other.firstProblems).prefix(Self.maxProblems))
        return merged
    }

    /// Keeps `message` if fewer than `maxProblems` are kept so far.
    mutating func note(_ message: String) {
        if firstProblems.count < Self.maxProblems {
            firstProblems.append(message)
        }
    }
}
