import ArgumentParser
import Foundation
import RLHFData

/// `rlhf label`: a person says which of two responses is better, one key per pair.
struct Label: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Label candidate pairs at the terminal: say which of two responses is better.",
        discussion: """
            Shows each pair of --candidates (written by rlhf compare) and reads one key: a (A is better), \
            b (B is better), t (tie), s (skip), u (undo the last answer of this session), q (quit). \
            Every answer is saved and synced to disk at once: preferences to --output as \
            {"id","label","prompt","chosen","rejected"} lines, which rlhf rm reads as they are; ties and \
            skips to <name>.skipped.jsonl beside it, so that they are not asked again. Running the same \
            command again resumes with the first unanswered pair. When stdin is not a terminal, keys are \
            read from it, one per line or as a stream of characters (whitespace is ignored, any other \
            character is an error), and the end of the input quits.
            """)

    @Option(help: "Candidate pairs from rlhf compare: JSONL lines {\"id\",\"prompt\",\"a\",\"b\"}.")
    var candidates: String

    @Option(help: "Preference JSONL (*.jsonl) the answers are appended to; created if absent, resumed if present.")
    var output: String

    func run() throws {
        let pairs = try loadCandidatePairs(at: URL(fileURLWithPath: candidates))
        let store = try LabelStore(output: URL(fileURLWithPath: output))
        var session = LabelSession(candidates: pairs, answeredIDs: try store.answeredIDs())
        guard !session.isFinished else {
            print("All \(session.total) pairs of \(candidates) are already answered in \(output) and \(store.skippedURL.path).")
            return
        }
        let input = try KeyboardInput(outputPath: output)
        defer { input.restore() }
        let screen = PairScreen(clears: input.isTerminal && isatty(STDOUT_FILENO) == 1)
        var note = ""
        keys: while true {
            screen.show(session, note: note)
            guard let byte = try input.nextByte() else { break }
            guard let key = LabelKey(Character(Unicode.Scalar(byte))) else {
                let shown = (0x21...0x7E).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : String(format: "byte 0x%02x", byte)
                guard input.isTerminal else { throw LabelInputError.unknownKey(shown) }
                note = "\(shown) is not a key; press one of the keys above"
                continue
            }
            switch session.handle(key) {
            case .answered(let answer):
                try store.append(answer)
                note = "saved \"\(answer.label.rawValue)\" for pair \(answer.pair.id)"
            case .undone(let answer):
                try store.remove(answer)
                note = "took back \"\(answer.label.rawValue)\" for pair \(answer.pair.id); answer it again"
            case .nothingToUndo:
                note = "nothing to undo: this session has saved no answer yet"
            case .noPairLeft:
                note = "every pair is answered; u takes back the last answer, q quits"
            case .quit:
                break keys
            }
        }
        print(summary(of: session, store: store))
    }

    /// What the session did and where it is saved.
    private func summary(of session: LabelSession, store: LabelStore) -> String {
        let counts = PairLabel.allCases.map { label in "\(label.rawValue) \(session.answers.filter { $0.label == label }.count)" }
        let done = session.answeredBefore + session.answers.count
        var text = "\nThis session: \(session.answers.count) answers (\(counts.joined(separator: ", "))); "
            + "\(done) of \(session.total) pairs answered.\n"
            + "Preferences: \(store.outputURL.path); ties and skips: \(store.skippedURL.path)."
        if !session.isFinished {
            text += "\nRun the same command again to continue with pair \(done + 1)."
        }
        return text
    }
}

/// Keys that cannot be read.
enum LabelInputError: Error, CustomStringConvertible {
    /// A character on piped stdin that is not a key, shown quoted or as a byte.
    case unknownKey(String)
    /// A terminal call on stdin failed; `action` says which, e.g. "read stdin".
    case terminal(action: String, reason: String)

    var description: String {
        switch self {
        case .unknownKey(let key):
            "stdin: \(key) is not a key; expected a, b, t, s, u or q, one per line or as a stream of characters (the answers before it are saved)"
        case .terminal(let action, let reason):
            "cannot \(action): \(reason)"
        }
    }
}

/// Standard input, read one byte at a time.
///
/// A terminal is switched out of line mode and echo, so that a key acts as soon as it is pressed,
/// until `restore()`; SIGINT, SIGTERM and SIGHUP restore it too before exiting. Piped input is
/// read as it is.
final class KeyboardInput {
    /// Whether stdin is a terminal.
    let isTerminal: Bool
    /// The terminal's settings before the session, to restore.
    private let original: termios?
    /// Kept alive for as long as the terminal is in key mode.
    private var signalSources: [any DispatchSourceSignal] = []

    /// Ctrl-D, which a terminal out of line mode delivers as a byte instead of an end of input.
    private static let endOfTransmission: UInt8 = 0x04

    /// Puts a terminal on stdin into key mode; `outputPath` names where answers go, for the
    /// message on interruption.
    init(outputPath: String) throws(LabelInputError) {
        isTerminal = isatty(STDIN_FILENO) == 1
        guard isTerminal else {
            original = nil
            return
        }
        var current = termios()
        guard tcgetattr(STDIN_FILENO, &current) == 0 else {
            throw LabelInputError.terminal(action: "read the terminal settings of stdin", reason: String(cString: strerror(errno)))
        }
        let settings = current
        original = settings
        var keyMode = settings
        keyMode.c_lflag &= ~tcflag_t(ICANON | ECHO)
        withUnsafeMutableBytes(of: &keyMode.c_cc) { characters in
            characters[Int(VMIN)] = 1
            characters[Int(VTIME)] = 0
            // Ctrl-Z would stop the process with the terminal still in key mode; it becomes an unknown key.
            characters[Int(VSUSP)] = 0
        }
        for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
            // The signal's default action would end the process before the source's handler,
            // which runs on a queue where it may restore the terminal and print, gets to run.
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                var restored = settings
                tcsetattr(STDIN_FILENO, TCSAFLUSH, &restored)
                FileHandle.standardError.write(Data(
                    "\ninterrupted: every answer given is saved in \(outputPath); run the same command to resume\n".utf8))
                exit(128 + signalNumber)
            }
            source.resume()
            signalSources.append(source)
        }
        guard tcsetattr(STDIN_FILENO, TCSAFLUSH, &keyMode) == 0 else {
            restore()
            throw LabelInputError.terminal(action: "switch the terminal on stdin to key mode", reason: String(cString: strerror(errno)))
        }
    }

    /// Puts the terminal back as it was; calling it again does nothing harmful.
    func restore() {
        guard var settings = original else { return }
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &settings)
        signalSources.forEach { $0.cancel() }
        signalSources.removeAll()
        for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
            signal(signalNumber, SIG_DFL)
        }
    }

    /// The next byte that is not whitespace, or `nil` at the end of the input (or Ctrl-D).
    func nextByte() throws(LabelInputError) -> UInt8? {
        var byte: UInt8 = 0
        while true {
            let count = read(STDIN_FILENO, &byte, 1)
            if count < 0 {
                guard errno == EINTR else { throw LabelInputError.terminal(action: "read stdin", reason: String(cString: strerror(errno))) }
                continue
            }
            guard count == 1, !(isTerminal && byte == Self.endOfTransmission) else { return nil }
            if ![UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r")].contains(byte) {
                return byte
            }
        }
    }
}

/// Shows a session's current pair: progress, prompt and both responses wrapped to the width of
/// the terminal, the keys, and what the last key did.
struct PairScreen {
    /// Whether each screen replaces the previous one; on a pipe they follow one another.
    let clears: Bool

    func show(_ session: LabelSession, note: String) {
        let width = max(Self.terminalWidth(), 20)
        var lines: [String] = []
        if let pair = session.current {
            lines += Self.wrapped("pair \(session.position) of \(session.total)   (id \(pair.id))", width: width, indent: "")
            for (title, text) in [("PROMPT", pair.prompt), ("A", pair.responseA), ("B", pair.responseB)] {
                lines += ["", title] + Self.wrapped(text, width: width, indent: "  ")
            }
            lines += [""] + Self.wrapped(LabelKey.help, width: width, indent: "")
        } else {
            lines += ["All \(session.total) pairs are answered.", "u: undo the last answer   q: quit"]
        }
        lines += Self.wrapped(note, width: width, indent: "")
        let text = (clears ? "\u{1B}[H\u{1B}[2J" : "\n") + lines.joined(separator: "\n") + "\n"
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// `text` in lines of at most `width` characters, broken at spaces where possible and each
    /// prefixed with `indent`. The text's own line breaks, its indentation and the spaces inside a
    /// line are kept, since responses may hold code or lists; a line break eats the spaces at it.
    private static func wrapped(_ text: String, width: Int, indent: String) -> [String] {
        let room = width - indent.count
        var lines: [String] = []
        for paragraph in printable(text).split(separator: "\n", omittingEmptySubsequences: false) {
            var line = ""
            var gap: Substring = ""
            for run in runs(of: paragraph) {
                guard run.first != " " else {
                    gap = run
                    continue
                }
                if !line.isEmpty, line.count + gap.count + run.count > room {
                    lines.append(line)
                    line = ""
                    gap = ""
                }
                // Capped so that deep indentation still leaves room for the word after it.
                line += gap.prefix(room / 2)
                gap = ""
                var word = run
                while line.count + word.count > room {
                    let fit = room - line.count
                    lines.append(line + word.prefix(fit))
                    line = ""
                    word = word.dropFirst(fit)
                }
                line += word
            }
            lines.append(line)
        }
        return lines.map { $0.isEmpty ? "" : indent + $0 }
    }

    /// `paragraph` cut into its maximal runs of spaces and of other characters, in order.
    private static func runs(of paragraph: Substring) -> [Substring] {
        var runs: [Substring] = []
        var start = paragraph.startIndex
        for index in paragraph.indices.dropFirst() where (paragraph[index] == " ") != (paragraph[start] == " ") {
            runs.append(paragraph[start..<index])
            start = index
        }
        if start < paragraph.endIndex {
            runs.append(paragraph[start...])
        }
        return runs
    }

    /// `text` safe to print: model output may hold escape sequences that would move the cursor or
    /// recolour the terminal, so control characters other than line breaks become U+FFFD.
    private static func printable(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "\n", "\r\n": result.append("\n")
            case "\t": result.append("    ")
            default:
                let isControl = character.unicodeScalars.contains { $0.properties.generalCategory == .control }
                result.append(isControl ? "\u{FFFD}" : character)
            }
        }
        return result
    }

    /// The width of the terminal on stdout, or 80 columns when it is not a terminal.
    private static func terminalWidth() -> Int {
        var size = winsize()
        guard isatty(STDOUT_FILENO) == 1, ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
        return Int(size.ws_col)
    }
}
