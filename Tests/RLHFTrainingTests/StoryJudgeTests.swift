import Foundation
import Testing
import RLHFTraining

/// A story opening and hand-written continuations that differ from `good` in one criterion each.
enum LilyStories {
    static let prompt = "Once upon a time, there was a little girl named Lily. She"
    /// Happy ending, names Lily, four sentences, 29 words, every word in `vocabulary`.
    static let good = " loved to play in the park. One day, Lily saw a big red ball. She kicked the ball to her friend. They played all day and were very happy."
    static let vocabulary = Set(("once upon a time there was little girl named lily she loved to play in the park one day saw big "
                                 + "red ball kicked her friend they played all and were very happy sad went home cried mom said").split(separator: " ").map(String.init))
    static let judge = StoryJudge(vocabulary: vocabulary)
}

@Suite("StoryJudge") struct StoryJudgeTests {
    let judge = LilyStories.judge
    let prompt = LilyStories.prompt

    @Test func aGoodStoryMeetsEveryCriterionAndScoresTen() {
        let criteria = judge.criteria(prompt: prompt, response: LilyStories.good)
        #expect(criteria == StoryJudge.Criteria(endsHappily: true, namesCharacter: true, sentenceCount: 4,
                                                repeatedSentences: 0, unknownWords: 0, wordCount: 29))
        #expect(criteria.score == 10)
        #expect(judge.isFluent(LilyStories.good))
        #expect(judge.wordCount(LilyStories.good) == 29)
    }

    @Test func eachCriterionCostsWhatTheRuleSays() {
        let sadEnding = LilyStories.good.replacingOccurrences(of: "were very happy.", with: "went home.")
        #expect(judge.criteria(prompt: prompt, response: sadEnding).endsHappily == false)
        #expect(judge.score(prompt: prompt, response: sadEnding) == 6)
        // A happy word earlier in the story is no happy ending.
        let happyMiddle = " was happy. " + sadEnding
        #expect(judge.criteria(prompt: prompt, response: happyMiddle).endsHappily == false)

        let unnamed = LilyStories.good.replacingOccurrences(of: "Lily saw", with: "she saw")
        #expect(judge.score(prompt: prompt, response: unnamed) == 8)
        // A prompt that names nobody asks for no one by name.
        #expect(judge.criteria(prompt: "In the park, there lived a little cat. One day", response: unnamed).namesCharacter)

        let cutOff = String(LilyStories.good.dropLast(" all day and were very happy.".count))
        #expect(judge.criteria(prompt: prompt, response: cutOff) == StoryJudge.Criteria(
            endsHappily: false, namesCharacter: true, sentenceCount: 4, repeatedSentences: 0, unknownWords: 0, wordCount: 23))
        #expect(judge.score(prompt: prompt, response: cutOff) == 6)
        // Cut off after a happy sentence, the story still ended happily.
        #expect(judge.score(prompt: prompt, response: LilyStories.good + " She saw") == 10)

        let repeated = LilyStories.good.replacingOccurrences(of: "She kicked the ball to her friend.",
                                                             with: "She kicked the ball to her friend. She kicked the ball to her friend.")
        #expect(judge.criteria(prompt: prompt, response: repeated).repeatedSentences == 1)
        #expect(judge.score(prompt: prompt, response: repeated) == 8)

        let short = " saw Lily. They were happy."
        #expect(judge.criteria(prompt: prompt, response: short).sentenceCount == 2)
        #expect(judge.score(prompt: prompt, response: short) == 9)
        let long = (1...10).map { " Lily saw a ball \($0)." }.joined()
        #expect(judge.criteria(prompt: prompt, response: long).sentenceCount == 10)
        #expect(judge.score(prompt: prompt, response: long) == 4)
    }

    @Test func unknownWordsCostTenTimesTheirShareUpToThreeAndMakeTheStoryDisfluent() {
        let oneUnknown = LilyStories.good.replacingOccurrences(of: "big red ball", with: "big zorp ball")
        #expect(!judge.isFluent(oneUnknown))
        #expect(abs(judge.score(prompt: prompt, response: oneUnknown) - (10 - 10.0 / 29)) < 1e-12)
        let many = LilyStories.good.replacingOccurrences(of: "in the park", with: "blorp zorp quib snarf")
        #expect(judge.criteria(prompt: prompt, response: many).unknownWords == 4)
        #expect(abs(judge.score(prompt: prompt, response: many) - (10 - 40.0 / 30)) < 1e-12)
        #expect(judge.score(prompt: prompt, response: " Lily zorp blorp. Quib were happy. Snarf snarf lily.") == 3)
    }

    @Test func sentencesEndInsideQuotesAndWordsIgnoreCaseAndQuotes() {
        let dialogue = " said, \"Mom, I saw a ball!\" Her mom was happy. \u{201C}Lily,\u{201D} she said, \u{2018}play.\u{2019}"
        let criteria = judge.criteria(prompt: prompt, response: dialogue)
        #expect(criteria.sentenceCount == 3)
        #expect(criteria.namesCharacter)
        #expect(!criteria.endsHappily)
        #expect(judge.wordCount("Lily's mom didn't say 'hi'.") == 5)
        #expect(StoryJudge.character(in: "One day, Tom went to the park.") == "tom")
        #expect(StoryJudge.character(in: "In the park, there lived a little cat.") == nil)
    }

    @Test func noiseFreeLabelsAndAnnotatorsFollowTheStoryScore() {
        let sadEnding = LilyStories.good.replacingOccurrences(of: "were very happy.", with: "went home.")
        #expect(judge.preferred(prompt: prompt, a: sadEnding, b: LilyStories.good) == 1)
        #expect(judge.preferred(prompt: prompt, a: LilyStories.good, b: LilyStories.good) == nil)
        let exact = SimulatedAnnotators(judge: judge, count: 3, temperature: 0, biasStd: 0, seed: 1)
        #expect(exact.probabilityOfPreferringFirst(prompt: prompt, a: LilyStories.good, b: sadEnding, annotator: 2) == 1)
        let noisy = SimulatedAnnotators(judge: judge, count: 1, temperature: 1, biasStd: 0, seed: 1)
        let probability = noisy.probabilityOfPreferringFirst(prompt: prompt, a: LilyStories.good, b: sadEnding, annotator: 0)
        #expect(abs(probability - 1 / (1 + exp(-4.0))) < 1e-12)
    }
}

@Suite("JudgeCatalog") struct JudgeCatalogTests {
    func config(_ settings: String...) throws -> RunConfig {
        try RunConfig.load(schema: StageSchemas.compare, yaml: "model: {path: m}\ndata: {prompts: [p.txt]}",
                           source: "test.yaml", overrides: settings)
    }

    @Test func namesPickTheJudgesAndEmptyPicksNone() throws {
        #expect(try JudgeCatalog.judge(in: config(), command: "compare") == nil)
        #expect(try JudgeCatalog.judge(in: config("compare.judge=builtin"), command: "compare") is GoldJudge)
        #expect(try JudgeCatalog.judge(in: config("compare.judge=gold"), command: "compare") is GoldJudge)
        let directory = try StageFixtures.temporaryDirectory()
        let corpus = directory.appendingPathComponent("stories.txt")
        try "Lily was happy.\n\nTom's dog ran home.".write(to: corpus, atomically: true, encoding: .utf8)
        let judge = try JudgeCatalog.judge(in: config("compare.judge=stories", "compare.judge_vocabulary=\(corpus.path)"), command: "compare")
        #expect((judge as? StoryJudge)?.vocabulary == ["lily", "was", "happy", "tom's", "dog", "ran", "home"])
    }

    @Test func badSettingsNameTheKey() throws {
        #expect(throws: ConfigError.invalidValue(key: "compare.judge", reason: "must be one of builtin, gold, stories or empty, got \"story\"")) {
            try JudgeCatalog.judge(in: config("compare.judge=story"), command: "compare")
        }
        do {
            _ = try JudgeCatalog.judge(in: config("compare.judge=stories"), command: "compare")
            Issue.record("a stories judge without a vocabulary was accepted")
        } catch {
            #expect("\(error)".contains("compare.judge_vocabulary") && "\(error)".contains("tinystories"))
        }
        do {
            _ = try JudgeCatalog.judge(in: config("compare.judge=stories", "compare.judge_vocabulary=/no/such/file.txt"), command: "compare")
            Issue.record("an unreadable vocabulary was accepted")
        } catch {
            #expect("\(error)".contains("compare.judge_vocabulary") && "\(error)".contains("/no/such/file.txt"))
        }
    }
}
