/// A person's verdict on a candidate pair; the raw value is the `"label"` written to the output.
public enum PairLabel: String, CaseIterable, Equatable, Sendable {
    /// Response A is better.
    case a
    /// Response B is better.
    case b
    /// Neither is better.
    case tie
    /// The person did not judge the pair.
    case skip
}

/// One answered pair.
public struct LabelAnswer: Equatable, Sendable {
    public var pair: CandidatePair
    public var label: PairLabel

    public init(pair: CandidatePair, label: PairLabel) {
        self.pair = pair
        self.label = label
    }

    /// The preference the answer expresses, or `nil` for a tie or a skip, which teach a reward
    /// model nothing.
    public var preference: PreferencePair? {
        switch label {
        case .a: PreferencePair(prompt: pair.prompt, chosen: pair.responseA, rejected: pair.responseB)
        case .b: PreferencePair(prompt: pair.prompt, chosen: pair.responseB, rejected: pair.responseA)
        case .tie, .skip: nil
        }
    }
}

/// A key a person presses while labelling.
public enum LabelKey: Equatable, Sendable {
    /// `a`, `b`, `t` or `s`: answer the current pair.
    case answer(PairLabel)
    /// `u`: take back the last answer of the session and show its pair again.
    case undo
    /// `q`: stop; every answer given is already saved.
    case quit

    /// The key typed as `character`, or `nil` if it means nothing.
    ///
    /// Only lower case counts: the arrow keys send escape sequences ending in `A` to `D`, which
    /// must not answer a pair.
    public init?(_ character: Character) {
        switch character {
        case "a": self = .answer(.a)
        case "b": self = .answer(.b)
        case "t": self = .answer(.tie)
        case "s": self = .answer(.skip)
        case "u": self = .undo
        case "q": self = .quit
        default: return nil
        }
    }

    /// One line naming every key, to show under each pair; short enough for 60 columns.
    public static let help = "a: A better  b: B better  t: tie  s: skip  u: undo  q: quit"
}

/// What a key did to a session, and so what must happen to the saved answers.
public enum LabelOutcome: Equatable, Sendable {
    /// The current pair was answered; the answer must be saved.
    case answered(LabelAnswer)
    /// The last answer was taken back and its pair is current again; the answer must be removed.
    case undone(LabelAnswer)
    /// Undo was asked for but this session has given no answer (answers of earlier sessions stay).
    case nothingToUndo
    /// An answer was given after the last pair; nothing changed.
    case noPairLeft
    /// The person asked to stop.
    case quit
}

/// The state of one labelling session, apart from any terminal or file: the pairs still to
/// answer, in file order, and the answers given so far, which undo takes back newest first.
public struct LabelSession: Equatable, Sendable {
    /// The number of pairs in the candidates file.
    public let total: Int
    /// The candidates answered by earlier sessions, which this one does not ask again.
    public let answeredBefore: Int
    /// The answers of this session, oldest first.
    public private(set) var answers: [LabelAnswer] = []
    /// The unanswered pairs with the current one last, so that answering pops and undo pushes.
    private var upcoming: [CandidatePair]

    /// A session over `candidates` that skips those whose id is in `answeredIDs`.
    public init(candidates: [CandidatePair], answeredIDs: Set<String>) {
        let unanswered = candidates.filter { !answeredIDs.contains($0.id) }
        total = candidates.count
        answeredBefore = candidates.count - unanswered.count
        upcoming = unanswered.reversed()
    }

    /// The pair to show, or `nil` once every pair is answered.
    public var current: CandidatePair? {
        upcoming.last
    }

    /// The 1-based number of the current pair among all candidates, e.g. 3 in "pair 3 of 40".
    public var position: Int {
        answeredBefore + answers.count + 1
    }

    /// Whether every candidate is answered.
    public var isFinished: Bool {
        upcoming.isEmpty
    }

    /// Applies `key` and says what it did.
    public mutating func handle(_ key: LabelKey) -> LabelOutcome {
        switch key {
        case .answer(let label):
            guard let pair = upcoming.popLast() else { return .noPairLeft }
            let answer = LabelAnswer(pair: pair, label: label)
            answers.append(answer)
            return .answered(answer)
        case .undo:
            guard let answer = answers.popLast() else { return .nothingToUndo }
            upcoming.append(answer.pair)
            return .undone(answer)
        case .quit:
            return .quit
        }
    }
}
