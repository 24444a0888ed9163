import Foundation
import RLHFData
import Testing

/// The loaders on well-formed input.
@Suite struct DatasetTests {
    @Test func textFileGivesOneDocumentPerParagraph() throws {
        let url = DatasetFixtures.url("corpus.txt")
        let (documents, summary) = try loadTextDocuments(at: url)
        #expect(documents == [
            "First Citizen:\nBefore we proceed any further, hear me speak.",
            "All:\nSpeak, speak.",
            "First Citizen:\nYou are all resolved rather to die than to famish?",
            "All:\nResolved. resolved.",
        ])
        var expected = LoadSummary(path: url.path)
        expected.linesRead = 12
        expected.recordsLoaded = 4
        #expect(summary == expected)
    }

    @Test func jsonlFileGivesOneDocumentPerTextField() throws {
        let (documents, summary) = try loadTextDocuments(at: DatasetFixtures.url("corpus.jsonl"))
        #expect(documents == [
            "Once upon a time, there was a little girl named Lily.\nShe loved to play outside.",
            "One day, she saw a big, red ball.",
        ])
        #expect(summary.linesRead == 3)
        #expect(summary.recordsLoaded == 2)
    }

    @Test func sftReadsPromptCompletionAndMessages() throws {
        let (examples, summary) = try loadSFTExamples(at: DatasetFixtures.url("sft.jsonl"))
        #expect(examples == [
            SFTExample(prompt: "What is 2 + 2?", completion: " 4"),
            SFTExample(messages: [
                ChatMessage(role: .system, content: "You are terse."),
                ChatMessage(role: .user, content: "Name a colour."),
                ChatMessage(role: .assistant, content: "Blue."),
            ]),
            SFTExample(prompt: "", completion: "Once upon a time, there was a tiny robot."),
        ])
        #expect(examples.map(\.promptKey) == ["What is 2 + 2?", "Name a colour.", ""])
        #expect(summary.linesRead == 4)
        #expect(summary.recordsLoaded == 3)
    }

    @Test func sftTextFileGivesParagraphsAsCompletions() throws {
        let (examples, _) = try loadSFTExamples(at: DatasetFixtures.url("corpus.txt"))
        #expect(examples.count == 4)
        #expect(examples.first == SFTExample(prompt: "", completion: "First Citizen:\nBefore we proceed any further, hear me speak."))
    }

    @Test func promptKeyFallsBackToTheFirstMessage() {
        let example = SFTExample(messages: [
            ChatMessage(role: .system, content: "Tell a story."),
            ChatMessage(role: .assistant, content: "Once upon a time."),
        ])
        #expect(example.promptKey == "Tell a story.")
    }

    @Test func preferencesReadExplicitAndWholeDialoguePairs() throws {
        let url = DatasetFixtures.url("preferences.jsonl")
        let (pairs, summary) = try loadPreferencePairs(at: url)
        #expect(pairs == [
            PreferencePair(prompt: "Say hello.", chosen: " Hello!", rejected: " Go away."),
            PreferencePair(
                prompt: "\n\nHuman: Hi\n\nAssistant: Hello, how can I help?\n\nHuman: Tell me a joke.\n\nAssistant:",
                chosen: " Why did the chicken cross the road?",
                rejected: " No."),
            PreferencePair(prompt: "\n\nHuman: Café or tea?\n\nAssistant:", chosen: " Café, «always».", rejected: " Tea."),
        ])
        #expect(summary.linesRead == 5)
        #expect(summary.recordsLoaded == 3)
        #expect(summary.identicalPairsSkipped == 1)
        #expect(summary.mismatchedPromptsSkipped == 1)
        #expect(summary.badLinesSkipped == 0)
        #expect(summary.firstProblems.count == 2)
        #expect(summary.firstProblems[0].hasPrefix("\(url.path):3: chosen and rejected dialogues are identical"))
        #expect(summary.firstProblems[1].hasPrefix("\(url.path):4: chosen and rejected dialogues differ"))
        #expect(summary.description.contains("loaded 3 records from 5 lines"))
        #expect(summary.description.contains("skipped identical pairs: 1, pairs with mismatched prompts: 1"))
    }

    @Test func explicitPairWithIdenticalResponsesIsSkipped() throws {
        let scratch = try DatasetScratchDirectory()
        let url = try scratch.write("same.jsonl", """
            {"prompt": "p", "chosen": "same", "rejected": "same"}
            {"prompt": "p", "chosen": "good", "rejected": "bad"}
            """)
        let (pairs, summary) = try loadPreferencePairs(at: url)
        #expect(pairs == [PreferencePair(prompt: "p", chosen: "good", rejected: "bad")])
        #expect(summary.identicalPairsSkipped == 1)
    }

    @Test func promptsComeFromEveryRecordShape() throws {
        let (prompts, summary) = try loadPrompts(at: DatasetFixtures.url("prompts.jsonl"))
        #expect(prompts == [
            "Write a story about a dog.",
            "\n\nHuman: Hi\n\nAssistant:",
            "Tell me about cats.",
            "Translate 'hello' to French.",
        ])
        #expect(summary.recordsLoaded == 4)
    }

    @Test func promptsComeFromPreferenceAndSFTFiles() throws {
        let (fromPreferences, _) = try loadPrompts(at: DatasetFixtures.url("preferences.jsonl"))
        // Prompts need no preference, so pairs the preference loader skips still give theirs.
        #expect(fromPreferences.count == 5)
        #expect(fromPreferences[3] == "\n\nHuman: What is 1 + 1?\n\nAssistant: 2\n\nHuman: Thanks\n\nAssistant:")
        let (fromSFT, _) = try loadPrompts(at: DatasetFixtures.url("sft.jsonl"))
        #expect(fromSFT == ["What is 2 + 2?", "Name a colour.", ""])
    }

    @Test func textPromptFileGivesOnePromptPerLine() throws {
        let (prompts, summary) = try loadPrompts(at: DatasetFixtures.url("prompts.txt"))
        #expect(prompts == ["Once upon a time", "The little dog", "A red ball"])
        #expect(summary.linesRead == 5)
    }

    @Test func severalFilesMergeInOrder() throws {
        let preferences = DatasetFixtures.url("preferences.jsonl")
        let (pairs, summary) = try loadPreferencePairs(at: [preferences, preferences])
        #expect(pairs.count == 6)
        #expect(Array(pairs[3...]) == Array(pairs[..<3]))
        #expect(summary.path == preferences.path + " + " + preferences.path)
        #expect(summary.linesRead == 10)
        #expect(summary.recordsLoaded == 6)
        #expect(summary.identicalPairsSkipped == 2)
        #expect(summary.mismatchedPromptsSkipped == 2)
        #expect(summary.firstProblems.count == 4)

        let (documents, _) = try loadTextDocuments(at: [DatasetFixtures.url("corpus.txt"), DatasetFixtures.url("corpus.jsonl")])
        #expect(documents.count == 6)
        let (examples, _) = try loadSFTExamples(at: [DatasetFixtures.url("sft.jsonl"), DatasetFixtures.url("corpus.txt")])
        #expect(examples.count == 7)
        let (prompts, _) = try loadPrompts(at: [DatasetFixtures.url("prompts.jsonl"), DatasetFixtures.url("prompts.txt")])
        #expect(prompts.count == 7)
    }

    @Test func crlfJSONLinesLoad() throws {
        let scratch = try DatasetScratchDirectory()
        let url = try scratch.write("crlf.jsonl", "{\"prompt\": \"a\"}\r\n\r\n{\"prompt\": \"b\"}\r\n")
        #expect(try loadPrompts(at: url).0 == ["a", "b"])
    }
}
