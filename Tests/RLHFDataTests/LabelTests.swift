import Foundation
import RLHFData
import Testing

/// `count` candidate pairs with ids `p1`, `p2`, ... and texts `P1`, `A1`, `B1`, ...
private func candidates(_ count: Int) -> [CandidatePair] {
    (1...count).map { CandidatePair(id: "p\($0)", prompt: "P\($0)", responseA: "A\($0)", responseB: "B\($0)") }
}

/// The answer `label` to the pair numbered `number` of `candidates`.
private func answer(_ number: Int, _ label: PairLabel) -> LabelAnswer {
    LabelAnswer(pair: candidates(number)[number - 1], label: label)
}

@Suite("Label session") struct LabelSessionTests {
    @Test func answersAdvanceThroughThePairsInOrder() {
        var session = LabelSession(candidates: candidates(3), answeredIDs: [])
        #expect(session.current?.id == "p1")
        #expect(session.position == 1)
        #expect(session.total == 3)
        #expect(session.handle(.answer(.a)) == .answered(answer(1, .a)))
        #expect(session.current?.id == "p2")
        #expect(session.position == 2)
        #expect(session.answers == [answer(1, .a)])
    }

    @Test func undoTakesBackTheLastAnswerAndShowsItsPairAgain() {
        var session = LabelSession(candidates: candidates(3), answeredIDs: [])
        _ = session.handle(.answer(.a))
        _ = session.handle(.answer(.b))
        #expect(session.handle(.undo) == .undone(answer(2, .b)))
        #expect(session.current?.id == "p2")
        #expect(session.position == 2)
        #expect(session.answers == [answer(1, .a)])
        #expect(session.handle(.answer(.tie)) == .answered(answer(2, .tie)))
        #expect(session.current?.id == "p3")
    }

    @Test func undoWithoutAnAnswerChangesNothing() {
        let start = LabelSession(candidates: candidates(2), answeredIDs: ["p1"])
        var session = start
        #expect(session.handle(.undo) == .nothingToUndo)
        #expect(session == start)
    }

    @Test func resumeSkipsAnsweredPairsAndCountsThem() {
        // "gone" was answered from another candidates file: ignored, not counted.
        var session = LabelSession(candidates: candidates(4), answeredIDs: ["p1", "p3", "gone"])
        #expect(session.answeredBefore == 2)
        #expect(session.current?.id == "p2")
        #expect(session.position == 3)
        _ = session.handle(.answer(.skip))
        #expect(session.current?.id == "p4")
        #expect(session.position == 4)
    }

    @Test func afterTheLastPairAnswersAreRefusedButUndoWorks() {
        var session = LabelSession(candidates: candidates(2), answeredIDs: [])
        _ = session.handle(.answer(.a))
        _ = session.handle(.answer(.b))
        #expect(session.isFinished)
        #expect(session.current == nil)
        #expect(session.handle(.answer(.a)) == .noPairLeft)
        #expect(session.handle(.undo) == .undone(answer(2, .b)))
        #expect(session.current?.id == "p2")
        #expect(!session.isFinished)
    }

    @Test func quitLeavesTheStateAsItIs() {
        var session = LabelSession(candidates: candidates(2), answeredIDs: [])
        _ = session.handle(.answer(.a))
        let before = session
        #expect(session.handle(.quit) == .quit)
        #expect(session == before)
    }

    @Test func keysAreLowerCaseLettersOnly() {
        #expect(LabelKey("a") == .answer(.a))
        #expect(LabelKey("b") == .answer(.b))
        #expect(LabelKey("t") == .answer(.tie))
        #expect(LabelKey("s") == .answer(.skip))
        #expect(LabelKey("u") == .undo)
        #expect(LabelKey("q") == .quit)
        // The up arrow sends ESC [ A: its "A" must not answer a pair.
        #expect(LabelKey("A") == nil)
        #expect(LabelKey("x") == nil)
    }

    @Test func answersBecomePreferencesWithTheChosenResponseFirst() {
        #expect(answer(1, .a).preference == PreferencePair(prompt: "P1", chosen: "A1", rejected: "B1"))
        #expect(answer(1, .b).preference == PreferencePair(prompt: "P1", chosen: "B1", rejected: "A1"))
        #expect(answer(1, .tie).preference == nil)
        #expect(answer(1, .skip).preference == nil)
    }
}

@Suite("Label store") struct LabelStoreTests {
    /// A store writing `prefs.jsonl` in `scratch`.
    private func makeStore(in scratch: DatasetScratchDirectory) throws -> LabelStore {
        try LabelStore(output: scratch.url.appendingPathComponent("prefs.jsonl"))
    }

    private func text(of url: URL) throws -> String {
        try String(contentsOf: url, encoding: .utf8)
    }

    @Test func preferencesLoadAsTheyAreAndTiesAndSkipsGoBeside() throws {
        let scratch = try DatasetScratchDirectory()
        let store = try makeStore(in: scratch)
        for answer in [answer(1, .a), answer(2, .tie), answer(3, .b), answer(4, .skip)] {
            try store.append(answer)
        }
        #expect(store.skippedURL == scratch.url.appendingPathComponent("prefs.skipped.jsonl"))
        let (pairs, summary) = try loadPreferencePairs(at: store.outputURL)
        #expect(pairs == [
            PreferencePair(prompt: "P1", chosen: "A1", rejected: "B1"),
            PreferencePair(prompt: "P3", chosen: "B3", rejected: "A3"),
        ])
        #expect(summary.badLinesSkipped == 0)
        #expect(try text(of: store.skippedURL) == """
            {"id":"p2","label":"tie"}
            {"id":"p4","label":"skip"}

            """)
        #expect(try store.answeredIDs() == ["p1", "p2", "p3", "p4"])
    }

    @Test func anAnswerIsOneJSONLine() throws {
        let scratch = try DatasetScratchDirectory()
        let store = try makeStore(in: scratch)
        let pair = CandidatePair(id: "x/1", prompt: "Say \"hi\"\nplease", responseA: "hi", responseB: "héllo")
        try store.append(LabelAnswer(pair: pair, label: .b))
        #expect(try text(of: store.outputURL) == #"""
            {"chosen":"héllo","id":"x/1","label":"b","prompt":"Say \"hi\"\nplease","rejected":"hi"}

            """#)
    }

    @Test func undoRemovesOnlyTheLastAnswerOfItsFile() throws {
        let scratch = try DatasetScratchDirectory()
        let store = try makeStore(in: scratch)
        for answer in [answer(1, .a), answer(2, .tie), answer(3, .b), answer(4, .skip)] {
            try store.append(answer)
        }
        try store.remove(answer(4, .skip))
        try store.remove(answer(3, .b))
        #expect(try loadPreferencePairs(at: store.outputURL).pairs == [PreferencePair(prompt: "P1", chosen: "A1", rejected: "B1")])
        #expect(try text(of: store.skippedURL) == "{\"id\":\"p2\",\"label\":\"tie\"}\n")
        #expect(try store.answeredIDs() == ["p1", "p2"])
        let files = try FileManager.default.contentsOfDirectory(atPath: scratch.url.path).sorted()
        #expect(files == ["prefs.jsonl", "prefs.skipped.jsonl"], "no temporary file is left behind")
    }

    @Test func undoRefusesWhenAnotherProgramWroteAfterTheAnswer() throws {
        let scratch = try DatasetScratchDirectory()
        let store = try makeStore(in: scratch)
        try store.append(answer(1, .a))
        let handle = try FileHandle(forWritingTo: store.outputURL)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("{\"id\":\"other\",\"label\":\"a\"}\n".utf8))
        try handle.close()
        let before = try text(of: store.outputURL)
        #expect(throws: LabelStoreError.undoConflict(path: store.outputURL.path, id: "p1")) {
            try store.remove(answer(1, .a))
        }
        #expect(try text(of: store.outputURL) == before)
    }

    @Test func aFreshOutputHasNoAnswers() throws {
        let scratch = try DatasetScratchDirectory()
        let store = try makeStore(in: scratch)
        #expect(try store.answeredIDs().isEmpty)
    }

    @Test func anAnswerNeverJoinsALineWithoutItsNewline() throws {
        let scratch = try DatasetScratchDirectory()
        let store = try makeStore(in: scratch)
        _ = try scratch.write("prefs.jsonl", #"{"id":"by-hand","label":"a"}"#)
        try store.append(answer(1, .a))
        #expect(try store.answeredIDs() == ["by-hand", "p1"])
    }

    @Test func theOutputMustBeJSONLines() throws {
        #expect(throws: LabelStoreError.notJSONLines(path: "/tmp/prefs.json")) {
            try LabelStore(output: URL(fileURLWithPath: "/tmp/prefs.json"))
        }
    }

    @Test func resumingFromAForeignFileNamesItsLine() throws {
        let scratch = try DatasetScratchDirectory()
        let store = try makeStore(in: scratch)
        _ = try scratch.write("prefs.jsonl", "\n" + #"{"chosen": "a", "rejected": "b"}"#)
        let error = #expect(throws: DataError.self) { try store.answeredIDs() }
        #expect(error?.description.hasPrefix(#"\#(store.outputURL.path):2: field "id" is missing"#) == true)

        _ = try scratch.write("prefs.jsonl", #"{"id": "p1", "label": "maybe"}"#)
        #expect(throws: DataError.invalidValue(
            path: store.outputURL.path, line: 1, field: "label", reason: #"is "maybe", expected one of a, b, tie, skip"#)) {
            try store.answeredIDs()
        }
    }
}

@Suite("Label candidates") struct LabelCandidateTests {
    private let good = #"{"id": "c1", "prompt": "P", "a": "A", "b": "B", "model": "sft-7"}"#

    @Test func readsPairsAndIgnoresOtherFieldsAndBlankLines() throws {
        let scratch = try DatasetScratchDirectory()
        let (plain, gzipped) = try scratch.writePlainAndGzipped(
            "candidates.jsonl", [good, "", #"{"id": "c2", "prompt": "Q", "a": "", "b": "B2"}"#].joined(separator: "\n"))
        let expected = [
            CandidatePair(id: "c1", prompt: "P", responseA: "A", responseB: "B"),
            CandidatePair(id: "c2", prompt: "Q", responseA: "", responseB: "B2"),
        ]
        #expect(try loadCandidatePairs(at: plain) == expected)
        #expect(try loadCandidatePairs(at: gzipped) == expected)
    }

    /// The error of loading `lines` as a candidates file, and the file's path.
    private func loadError(_ lines: [String], name: String = "candidates.jsonl") throws -> (DataError?, String) {
        let scratch = try DatasetScratchDirectory()
        let url = try scratch.write(name, lines.joined(separator: "\n"))
        return (#expect(throws: DataError.self) { try loadCandidatePairs(at: url) }, url.path)
    }

    @Test func aMissingResponseNamesFileLineAndField() throws {
        let (error, path) = try loadError([good, #"{"id": "c2", "prompt": "P", "a": "A"}"#])
        #expect(error == .missingField(path: path, line: 2, field: "b", expected: #"{"id","prompt","a","b"} as rlhf compare writes"#))
        #expect(error?.description.hasPrefix(#"\#(path):2: field "b" is missing"#) == true)
    }

    @Test func aRepeatedIDNamesBothLines() throws {
        let (error, path) = try loadError([good, "", good])
        #expect(error?.description.hasPrefix(#"\#(path):3: field "id" "c1" is already the id of line 1"#) == true)
    }

    @Test func anEmptyOrNumericIDIsRefused() throws {
        let (empty, emptyPath) = try loadError([#"{"id": "", "prompt": "P", "a": "A", "b": "B"}"#])
        #expect(empty?.description.hasPrefix(#"\#(emptyPath):1: field "id" is empty"#) == true)
        let (number, numberPath) = try loadError([#"{"id": 7, "prompt": "P", "a": "A", "b": "B"}"#])
        #expect(number == .wrongType(path: numberPath, line: 1, field: "id", expected: "a string", found: "a number"))
    }

    @Test func anEmptyFileOrAnotherFormatIsRefused() throws {
        let (empty, path) = try loadError([])
        #expect(empty == .empty(path: path, detail: "the file is empty"))
        let (format, _) = try loadError([good], name: "candidates.json")
        guard case .unsupportedFormat = format else {
            Issue.record("expected .unsupportedFormat, got \(String(describing: format))")
            return
        }
    }
}
