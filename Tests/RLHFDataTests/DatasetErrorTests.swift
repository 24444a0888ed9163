import Foundation
import RLHFData
import Testing

/// The loaders on bad input: every error names the file, the line and the field.
@Suite struct DatasetErrorTests {
    /// The error thrown by loading `lines` (joined by newlines) into `name` with `load`.
    private func loadError<Record>(
        _ name: String,
        _ lines: [String],
        _ load: (URL, LoadOptions) throws(DataError) -> ([Record], LoadSummary)
    ) throws -> (error: DataError?, path: String) {
        let scratch = try DatasetScratchDirectory()
        let url = try scratch.write(name, lines.joined(separator: "\n"))
        let error = #expect(throws: DataError.self) { try load(url, LoadOptions()) }
        return (error, url.path)
    }

    @Test func lineThatIsNotJSON() throws {
        let (error, path) = try loadError("sft.jsonl", [#"{"prompt": "a", "completion": "b"}"#, #"{"prompt": "a", "completion": "b""#], loadSFTExamples)
        guard case .malformedLine(path, 2, _) = error else {
            Issue.record("expected .malformedLine at line 2, got \(String(describing: error))")
            return
        }
        #expect(error?.description.hasPrefix("\(path):2: line is not valid JSON") == true)
    }

    @Test func arrayInsteadOfObject() throws {
        let (error, path) = try loadError("prompts.jsonl", [#"["a prompt"]"#], loadPrompts)
        #expect(error?.description.hasPrefix(#"\#(path):1: line is an array, expected a JSON object such as {"prompt"}"#) == true)
    }

    @Test func missingCompletionSaysWhichShapesAreAccepted() throws {
        let (error, path) = try loadError("sft.jsonl", ["", "", #"{"prompt": "a"}"#], loadSFTExamples)
        #expect(error == .missingField(path: path, line: 3, field: "completion", expected: #"{"prompt","completion"} or {"messages":[...]}"#))
        #expect(error?.description == #"\#(path):3: field "completion" is missing (expected {"prompt","completion"} or {"messages":[...]})"#)
    }

    @Test func missingPreferenceField() throws {
        let (error, path) = try loadError("pairs.jsonl", [#"{"prompt": "p", "chosen": "a"}"#], loadPreferencePairs)
        #expect(error?.description.hasPrefix(#"\#(path):1: field "rejected" is missing"#) == true)
    }

    @Test func numberWhereTextBelongs() throws {
        let (error, path) = try loadError("sft.jsonl", [#"{"prompt": 42, "completion": "b"}"#], loadSFTExamples)
        #expect(error == .wrongType(path: path, line: 1, field: "prompt", expected: "a string", found: "a number"))
        #expect(error?.description == #"\#(path):1: field "prompt" is a number, expected a string"#)
    }

    @Test func wrongTypesAreNamed() throws {
        let (boolean, _) = try loadError("text.jsonl", [#"{"text": true}"#], loadTextDocuments)
        #expect(boolean?.description.hasSuffix(#"field "text" is a boolean, expected a string"#) == true)
        let (null, _) = try loadError("pairs.jsonl", [#"{"chosen": null, "rejected": "b"}"#], loadPreferencePairs)
        #expect(null?.description.hasSuffix(#"field "chosen" is null, expected a string"#) == true)
        let (object, _) = try loadError("sft.jsonl", [#"{"messages": {"role": "user"}}"#], loadSFTExamples)
        #expect(object?.description.hasSuffix(#"field "messages" is an object, expected an array"#) == true)
        let (turn, _) = try loadError("sft.jsonl", [#"{"messages": ["hello"]}"#], loadSFTExamples)
        #expect(turn?.description.hasSuffix(#"field "messages[0]" is a string, expected an object"#) == true)
    }

    @Test func unknownRoleNamesTheTurn() throws {
        let turns = #"[{"role": "system", "content": "s"}, {"role": "user", "content": "u"}, {"role": "assistant", "content": "a"}, {"role": "robot", "content": "r"}]"#
        let (error, path) = try loadError("sft.jsonl", [#"{"messages": \#(turns)}"#], loadSFTExamples)
        #expect(error?.description == #"\#(path):1: field "messages[3].role" is "robot", expected one of "system", "user", "assistant""#)
    }

    @Test func missingContentNamesTheTurn() throws {
        let (error, path) = try loadError("sft.jsonl", [#"{"messages": [{"role": "user"}]}"#], loadSFTExamples)
        #expect(error?.description == #"\#(path):1: field "messages[0].content" is missing (expected {"role","content"})"#)
    }

    @Test func conversationWithoutAssistantTurn() throws {
        let (error, path) = try loadError("sft.jsonl", [#"{"messages": [{"role": "user", "content": "hi"}]}"#], loadSFTExamples)
        #expect(error?.description.hasPrefix(#"\#(path):1: field "messages" has no assistant turn"#) == true)
    }

    @Test func emptyCompletion() throws {
        let (error, path) = try loadError("sft.jsonl", [#"{"prompt": "a", "completion": ""}"#], loadSFTExamples)
        #expect(error?.description.hasPrefix(#"\#(path):1: field "completion" is empty"#) == true)
    }

    @Test func dialogueWithoutAssistantMarker() throws {
        let line = #"{"chosen": "\n\nHuman: hi\n\nAssistant: hello", "rejected": "\n\nHuman: hi"}"#
        let (error, path) = try loadError("hh.jsonl", ["", line], loadPreferencePairs)
        #expect(error?.description.hasPrefix(#"\#(path):2: field "rejected" has no "\n\nAssistant:" turn"#) == true)
        let (promptError, promptPath) = try loadError("hh.jsonl", [#"{"chosen": "no marker", "rejected": "x"}"#], loadPrompts)
        #expect(promptError?.description.hasPrefix(#"\#(promptPath):1: field "chosen" has no "\n\nAssistant:" turn"#) == true)
    }

    @Test func invalidUTF8NamesTheLine() throws {
        let scratch = try DatasetScratchDirectory()
        let good = Array(#"{"prompt": "fine"}"#.utf8) + [0x0A]
        let url = try scratch.write("prompts.jsonl", bytes: good + good + Array(#"{"prompt": "caf"#.utf8) + [0xE9] + Array(#""}"#.utf8))
        let error = #expect(throws: DataError.self) { try loadPrompts(at: url) }
        #expect(error?.description == "\(url.path):3: line is not valid UTF-8 text")
    }

    @Test func missingFile() throws {
        let scratch = try DatasetScratchDirectory()
        let url = scratch.url.appendingPathComponent("absent.jsonl.gz")
        let error = #expect(throws: DataError.self) { try loadPreferencePairs(at: url) }
        #expect(error == .cannotOpen(path: url.path, reason: "no such file"))
        #expect(error?.description == "\(url.path): cannot open: no such file")
    }

    @Test func unsupportedFileNames() throws {
        let scratch = try DatasetScratchDirectory()
        let json = try scratch.write("data.json", #"[{"prompt": "a"}]"#)
        let error = #expect(throws: DataError.self) { try loadPrompts(at: json) }
        #expect(error?.description == "\(json.path): unsupported data format: cannot tell the format from the file name; expected .jsonl, .jsonl.gz, .txt or .txt.gz")
        let text = try scratch.write("pairs.txt", "a\n")
        let textError = #expect(throws: DataError.self) { try loadPreferencePairs(at: text) }
        #expect(textError?.description.hasPrefix("\(text.path): unsupported data format: preference pairs are read from .jsonl") == true)
    }

    @Test func fileWithoutRecords() throws {
        let (empty, emptyPath) = try loadError("empty.jsonl", [], loadPrompts)
        #expect(empty == .empty(path: emptyPath, detail: "the file is empty"))
        let (blank, blankPath) = try loadError("blank.txt", ["", "  ", "", ""], loadTextDocuments)
        #expect(blank == .empty(path: blankPath, detail: "all 3 lines are blank"))
        let (identical, _) = try loadError("same.jsonl", [#"{"prompt": "p", "chosen": "x", "rejected": "x"}"#], loadPreferencePairs)
        #expect(identical?.description.contains("no usable records: every record was skipped") == true)
        let noFiles = #expect(throws: DataError.self) { try loadPrompts(at: [URL]()) }
        #expect(noFiles?.description.contains("the list of data files is empty") == true)
    }

    @Test func firstBadLineThrowsWithoutSkipping() throws {
        let lines = [#"{"prompt": "ok"}"#, #"{"prompt": 1}"#, "not json"]
        let (error, path) = try loadError("prompts.jsonl", lines, loadPrompts)
        #expect(error?.description.hasPrefix("\(path):2:") == true)
    }

    @Test func skippingBadLinesCountsThemAndKeepsTheFirstMessages() throws {
        let scratch = try DatasetScratchDirectory()
        let lines = [
            #"{"prompt": "one", "completion": "1"}"#,
            "not json",
            #"["array"]"#,
            #"{"prompt": "two", "completion": "2"}"#,
            #"{"prompt": "three"}"#,
            #"{"prompt": 3, "completion": "3"}"#,
            "",
            #"{"messages": [{"role": "robot", "content": "r"}]}"#,
            #"{"messages": [{"role": "user", "content": "u"}]}"#,
            #"{"prompt": "four", "completion": ""}"#,
            #"{"prompt": "five", "completion": "5"}"#,
        ]
        let url = try scratch.write("sft.jsonl", lines.joined(separator: "\n") + "\n")
        let (examples, summary) = try loadSFTExamples(at: url, options: LoadOptions(skipBadLines: true))
        #expect(examples.map(\.promptKey) == ["one", "two", "five"])
        #expect(summary.linesRead == 11)
        #expect(summary.recordsLoaded == 3)
        #expect(summary.badLinesSkipped == 7)
        #expect(summary.firstProblems.count == LoadSummary.maxProblems)
        for (problem, line) in zip(summary.firstProblems, [2, 3, 5, 6, 8]) {
            #expect(problem.hasPrefix("\(url.path):\(line): "))
        }
        #expect(summary.firstProblems[2] == #"\#(url.path):5: field "completion" is missing (expected {"prompt","completion"} or {"messages":[...]})"#)
        #expect(summary.description.contains("; skipped bad lines: 7\n"))
    }

    @Test func skippingInvalidUTF8GoesOnToTheNextLine() throws {
        let scratch = try DatasetScratchDirectory()
        let url = try scratch.write("corpus.jsonl", bytes: [0xC3, 0x28, 0x0A] + Array(#"{"text": "ok"}"#.utf8))
        let (documents, summary) = try loadTextDocuments(at: url, options: LoadOptions(skipBadLines: true))
        #expect(documents == ["ok"])
        #expect(summary.badLinesSkipped == 1)
        #expect(summary.firstProblems == ["\(url.path):1: line is not valid UTF-8 text"])
    }
}
