import Foundation
import Testing
import RLHFCore
import RLHFData
import RLHFTraining

/// A prompt and hand-written reviews for it that differ from `good` in one criterion each.
enum KettleReviews {
    static let prompt = "Review the blue kettle. Mention the price.\nReview:"
    /// Names the blue kettle, addresses the price, three tone words, 24 words, fluent.
    static let good = " I bought the blue kettle last week. The price is fair. I really love it. It works great. I would recommend it to anyone."

    static func replacing(_ sentence: String, with replacement: String, in text: String = good) -> String {
        precondition(text.contains(sentence), "\(sentence) is not in \(text)")
        return text.replacingOccurrences(of: sentence, with: replacement)
    }
}

@Suite("BuiltinTask data") struct BuiltinTaskDataTests {
    let task = BuiltinTask(seed: 11)

    @Test func everythingIsDeterministicFromTheSeed() {
        let same = BuiltinTask(seed: 11)
        let other = BuiltinTask(seed: 12)
        #expect(task.prompts(count: 50) == same.prompts(count: 50))
        #expect(task.evalPrompts(count: 50) == same.evalPrompts(count: 50))
        #expect(task.pretrainingText(documents: 50) == same.pretrainingText(documents: 50))
        #expect(task.sftExamples(count: 50).map { [$0.prompt, $0.completion] } == same.sftExamples(count: 50).map { [$0.prompt, $0.completion] })
        #expect(task.prompts(count: 50) != other.prompts(count: 50))
        #expect(task.pretrainingText(documents: 50) != other.pretrainingText(documents: 50))

        var first = RandomGenerator(seed: 5)
        var second = RandomGenerator(seed: 5)
        let prompt = KettleReviews.prompt
        #expect((0..<20).map { _ in task.response(for: prompt, rng: &first) } == (0..<20).map { _ in same.response(for: prompt, rng: &second) })
    }

    @Test func promptsEndWhereTheReviewBeginsAndRoundTrip() throws {
        for prompt in task.prompts(count: 200) + task.evalPrompts(count: 200) {
            #expect(prompt.hasPrefix("Review the ") && prompt.hasSuffix(".\nReview:"))
            let request = try #require(ReviewRequest(prompt: prompt))
            #expect(request.prompt == prompt)
        }
        #expect(ReviewRequest(prompt: KettleReviews.prompt) == ReviewRequest(product: "kettle", color: "blue", aspect: .price))
        #expect(ReviewRequest(prompt: "Tell me a story.") == nil)
    }

    @Test func evaluationPromptsAreHeldOutFromEveryTrainingSet() {
        let evaluation = Set(task.evalPrompts(count: 500))
        #expect(evaluation.count > 50, "the held-out requests are varied")
        #expect(evaluation.isDisjoint(with: task.prompts(count: 2000)))
        #expect(evaluation.isDisjoint(with: task.sftExamples(count: 500).map(\.prompt)))
        #expect(!task.pretrainingText(documents: 2000).contains { document in evaluation.contains { document.hasPrefix($0) } })
    }

    @Test func completionsAreShortASCIIReviewsThatContinueThePrompt() {
        var rng = RandomGenerator(seed: 3)
        let judge = GoldJudge()
        var wordCounts: [Int] = []
        for prompt in task.prompts(count: 500) {
            let completion = task.response(for: prompt, rng: &rng)
            #expect(completion.hasPrefix(" ") && !completion.contains("  ") && !completion.hasSuffix(" "))
            #expect(completion.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || " .,".unicodeScalars.contains($0)) })
            wordCounts.append(judge.criteria(prompt: prompt, response: completion).wordCount)
        }
        let mean = Double(wordCounts.reduce(0, +)) / Double(wordCounts.count)
        #expect((15...40).contains(mean))
        #expect(wordCounts.min() ?? 0 >= 3 && wordCounts.max() ?? 0 <= 60)

        for document in task.pretrainingText(documents: 100) {
            let parts = document.components(separatedBy: "\nReview:")
            #expect(parts.count == 2 && parts[1].hasPrefix(" ") && !document.contains("\n\n"))
        }
    }

    @Test func aPromptOutsideTheTaskStillGetsAReview() {
        var rng = RandomGenerator(seed: 1)
        let completion = task.response(for: "Say hello.", rng: &rng)
        #expect(GrammarAcceptor().accepts(completion))
    }
}

@Suite("BuiltinTask gold judge") struct BuiltinTaskGoldJudgeTests {
    let judge = GoldJudge()

    func score(_ response: String) -> Double {
        judge.score(prompt: KettleReviews.prompt, response: response)
    }

    @Test func theGoodReviewMeetsEveryCriterion() {
        let criteria = judge.criteria(prompt: KettleReviews.prompt, response: KettleReviews.good)
        #expect(criteria.namesProduct && criteria.namesColoredProduct && !criteria.namesOtherProduct)
        #expect(criteria.addressesAspect && criteria.isFluent)
        #expect(criteria.toneWords == 3 && criteria.repeatedSentences == 0 && criteria.contradictions == 0)
        #expect(criteria.wordCount == 24)
        #expect(score(KettleReviews.good) == 9.5)
    }

    @Test func namingTheProductItsColorAndNoOtherProductScores() {
        let noProduct = KettleReviews.replacing("I bought the blue kettle last week.", with: "I bought this last week.")
        let wrongColor = KettleReviews.replacing("blue kettle", with: "red kettle")
        let otherProduct = KettleReviews.replacing("blue kettle", with: "blue lamp")
        #expect(!judge.criteria(prompt: KettleReviews.prompt, response: noProduct).namesProduct)
        #expect(!judge.criteria(prompt: KettleReviews.prompt, response: wrongColor).namesColoredProduct)
        #expect(judge.criteria(prompt: KettleReviews.prompt, response: otherProduct).namesOtherProduct)
        #expect(score(KettleReviews.good) > score(wrongColor))
        #expect(score(wrongColor) > score(noProduct))
        #expect(score(noProduct) > score(otherProduct))
    }

    @Test func addressingTheRequestedAspectScores() {
        let otherAspect = KettleReviews.replacing("The price is fair.", with: "The design is modern.")
        #expect(!judge.criteria(prompt: KettleReviews.prompt, response: otherAspect).addressesAspect)
        #expect(score(KettleReviews.good) - score(otherAspect) == 2.5)
        // The price in an ungrammatical sentence does not count as addressing it.
        let garbled = KettleReviews.replacing("The price is fair.", with: "Price fair the is.")
        #expect(!judge.criteria(prompt: KettleReviews.prompt, response: garbled).addressesAspect)
    }

    @Test func politeAndPositiveWordsScore() {
        let flat = KettleReviews.replacing("I really love it. It works great.", with: "It is okay. It does the job.")
        #expect(judge.criteria(prompt: KettleReviews.prompt, response: flat).toneWords == 1)
        #expect(score(KettleReviews.good) - score(flat) == 1)
    }

    @Test func repeatingASentenceCosts() {
        let repeated = KettleReviews.good + " It works great."
        #expect(judge.criteria(prompt: KettleReviews.prompt, response: repeated).repeatedSentences == 1)
        #expect(score(KettleReviews.good) - score(repeated) == 2)
    }

    @Test func lengthOutsideTheSweetSpotCosts() {
        let short = " I bought the blue kettle last week. The price is fair. I really love it. It works great."
        let sweet = short + " I use it every day."
        let long = KettleReviews.good + " I use it every day. I keep it in my kitchen. My sister has one too. I read many reviews before buying."
        #expect(judge.criteria(prompt: KettleReviews.prompt, response: short).wordCount == 18)
        #expect(judge.criteria(prompt: KettleReviews.prompt, response: long).wordCount == 46)
        #expect(abs(score(sweet) - score(short) - 0.4) < 1e-9)
        #expect(score(KettleReviews.good) > score(long))
    }

    @Test func contradictingOneselfCosts() {
        let contradicting = KettleReviews.good + " It costs too much."
        let critical = KettleReviews.good + " The quality is poor."
        #expect(judge.criteria(prompt: KettleReviews.prompt, response: contradicting).contradictions == 1)
        #expect(judge.criteria(prompt: KettleReviews.prompt, response: critical).contradictions == 0)
        #expect(score(critical) - score(contradicting) == 2)
    }

    @Test func disfluencyCostsTheMost() {
        let fluent = KettleReviews.good + " I use it every day."
        let disfluent = KettleReviews.good + " Every day I use it."
        #expect(!judge.criteria(prompt: KettleReviews.prompt, response: disfluent).isFluent)
        #expect(score(fluent) - score(disfluent) == 4)
        #expect(score(String(KettleReviews.good.dropLast())) < score(KettleReviews.good) - 3.9, "cut off mid-sentence")
    }

    @Test func scoresStayInRangeAndPreferenceFollowsThem() {
        #expect(score("") == 0)
        #expect(score("qqq zzz xxx kettle kettle kettle") >= 0)
        let best = " I bought the blue kettle last week. The price is fair. I really love it. It works great. The quality is excellent. I would recommend it to anyone."
        #expect(score(best) == 10)
        #expect(judge.preferred(prompt: KettleReviews.prompt, a: best, b: KettleReviews.good) == 0)
        #expect(judge.preferred(prompt: KettleReviews.prompt, a: "", b: KettleReviews.good) == 1)
        #expect(judge.preferred(prompt: KettleReviews.prompt, a: KettleReviews.good, b: KettleReviews.good) == nil)
    }

    @Test func aPromptOutsideTheTaskEarnsNoCreditForTheRequest() {
        let criteria = judge.criteria(prompt: "Say hello.", response: KettleReviews.good)
        #expect(!criteria.namesProduct && !criteria.namesColoredProduct && !criteria.addressesAspect)
        #expect(criteria.isFluent)
    }

    @Test func demonstrationsBeatRawSamplesWithoutBeingPerfect() {
        let task = BuiltinTask(seed: 4)
        var rng = RandomGenerator(seed: 8)
        let raw = task.prompts(count: 600).map { judge.score(prompt: $0, response: task.response(for: $0, rng: &rng)) }
        let demonstrations = task.sftExamples(count: 600).map { judge.score(prompt: $0.prompt, response: $0.completion) }
        let rawMean = raw.reduce(0, +) / Double(raw.count)
        let demonstrationMean = demonstrations.reduce(0, +) / Double(demonstrations.count)
        #expect(demonstrationMean > rawMean + 0.8)
        #expect(demonstrationMean < 8)
        #expect(raw.min() ?? 10 < 2 && raw.max() ?? 0 > 9, "raw samples range from poor to excellent")
    }
}

@Suite("BuiltinTask grammar acceptor") struct BuiltinTaskGrammarAcceptorTests {
    let acceptor = GrammarAcceptor()

    func samples(_ count: Int) -> [String] {
        let task = BuiltinTask(seed: 21)
        var rng = RandomGenerator(seed: 2)
        return task.prompts(count: count).map { task.response(for: $0, rng: &rng) }
    }

    @Test func acceptsEverythingTheGrammarGenerates() {
        let responses = samples(2000) + BuiltinTask(seed: 21).sftExamples(count: 200).map(\.completion)
        #expect(acceptor.fluency(responses) == 1)
        #expect(acceptor.accepts(KettleReviews.good))
    }

    @Test func toleratesWhitespace() {
        #expect(acceptor.accepts("\n  I   really love\tit .\nIt works great.  "))
    }

    @Test func rejectsShuffledWords() {
        var rng = RandomGenerator(seed: 6)
        var rejected = 0
        var shuffledCount = 0
        for response in samples(300) {
            let words = response.split(separator: " ").map(String.init)
            let shuffled = words.shuffled(using: &rng)
            guard shuffled != words else { continue }
            shuffledCount += 1
            if !acceptor.accepts(shuffled.joined(separator: " ")) { rejected += 1 }
        }
        #expect(shuffledCount > 290 && rejected == shuffledCount)
    }

    @Test func rejectsRandomLettersAndRepeatedWords() {
        var rng = RandomGenerator(seed: 7)
        for response in samples(300) {
            var words = response.split(separator: " ").map(String.init)
            let index = Int(rng.next() % UInt64(words.count))
            var misspelt = words
            misspelt[index] = String((0..<5).map { _ in Character(UnicodeScalar(UInt8(ascii: "a") + UInt8(rng.next() % 26))) })
            #expect(!acceptor.accepts(misspelt.joined(separator: " ")), "\(misspelt)")
            words.insert(words[index], at: index)
            #expect(!acceptor.accepts(words.joined(separator: " ")), "\(words)")
        }
    }

    @Test func rejectsOtherBrokenText() {
        #expect(!acceptor.accepts(""))
        #expect(!acceptor.accepts("   "))
        #expect(!acceptor.accepts("I really love it. It works"), "cut off mid-sentence")
        #expect(!acceptor.accepts("i really love it."), "case matters")
        #expect(!acceptor.accepts("I really love it"), "no full stop")
        #expect(!acceptor.accepts("I really love it.."))
        #expect(!acceptor.accepts("I bought the blue kettles last week."))
    }

    @Test func fluencyIsTheShareAccepted() {
        #expect(acceptor.fluency([KettleReviews.good, "It is okay.", "It does the job.", "okay it is."]) == 0.75)
        #expect(acceptor.fluency([]) == 0)
    }
}

@Suite("BuiltinTask annotators") struct BuiltinTaskAnnotatorTests {
    let judge = GoldJudge()

    /// Pairs of sampled responses to the same prompt whose gold scores differ, with the gold label.
    static let pairs: [(prompt: String, a: String, b: String, gold: Int)] = {
        let task = BuiltinTask(seed: 31)
        let judge = GoldJudge()
        var rng = RandomGenerator(seed: 9)
        return task.prompts(count: 1000).compactMap { prompt in
            let a = task.response(for: prompt, rng: &rng)
            let b = task.response(for: prompt, rng: &rng)
            return judge.preferred(prompt: prompt, a: a, b: b).map { (prompt, a, b, $0) }
        }
    }()

    func agreement(_ annotators: SimulatedAnnotators) -> Double {
        var annotators = annotators
        let agreeing = Self.pairs.count(where: { annotators.compare(prompt: $0.prompt, a: $0.a, b: $0.b).chosen == $0.gold })
        return Double(agreeing) / Double(Self.pairs.count)
    }

    @Test func agreeWithGoldMostlyAtTheDefaultTemperature() {
        #expect(Self.pairs.count > 900)
        let rate = agreement(SimulatedAnnotators(seed: 1))
        #expect(rate > 0.75 && rate < 0.95)
    }

    @Test func agreeAlwaysWithoutNoiseAndByChanceWithHugeNoise() {
        #expect(agreement(SimulatedAnnotators(temperature: 0, biasStd: 0, seed: 1)) == 1)
        #expect(agreement(SimulatedAnnotators(temperature: 1e-9, biasStd: 0, seed: 1)) == 1)
        let random = agreement(SimulatedAnnotators(temperature: 1e6, seed: 1))
        #expect(abs(random - 0.5) < 0.06)
    }

    @Test func choicesAreDeterministicFromTheSeedAndNameTheAnnotator() {
        var first = SimulatedAnnotators(count: 3, seed: 2)
        var second = SimulatedAnnotators(count: 3, seed: 2)
        let choices = Self.pairs.prefix(200).map { first.compare(prompt: $0.prompt, a: $0.a, b: $0.b) }
        #expect(choices == Self.pairs.prefix(200).map { second.compare(prompt: $0.prompt, a: $0.a, b: $0.b) })
        #expect(Set(choices.map(\.annotator)) == [0, 1, 2])
        #expect(Set(choices.map(\.chosen)) == [0, 1])
        #expect(first.lengthBiases.count == 3 && first.lengthBiases.allSatisfy { $0 >= 0 })
    }

    @Test func biasedAnnotatorsPreferTheLongerOfEquallyGoodResponses() {
        let longer = KettleReviews.good + " I use it every day."
        #expect(judge.score(prompt: KettleReviews.prompt, response: longer) == judge.score(prompt: KettleReviews.prompt, response: KettleReviews.good))
        let annotators = SimulatedAnnotators(count: 4, temperature: 1, biasStd: 2, seed: 3)
        for annotator in 0..<4 {
            let probability = annotators.probabilityOfPreferringFirst(prompt: KettleReviews.prompt, a: longer, b: KettleReviews.good, annotator: annotator)
            #expect(probability > 0.5)
            #expect(abs(probability - 1 / (1 + exp(-annotators.lengthBiases[annotator] * 5 / 20))) < 1e-12)
        }
        let unbiased = SimulatedAnnotators(biasStd: 0, seed: 3)
        #expect(unbiased.probabilityOfPreferringFirst(prompt: KettleReviews.prompt, a: longer, b: KettleReviews.good, annotator: 0) == 0.5)
    }
}

@Suite("BuiltinTask files") struct BuiltinTaskFileTests {
    @Test func filesAreWrittenDeterministicallyAndLoadWithTheDatasetReaders() throws {
        let directory = try TemporaryDirectory()
        let task = BuiltinTask(seed: 41)
        let urls = try task.writeFiles(to: directory.url.appendingPathComponent("data"), pretrain: 30, sft: 20, prompts: 15, evalPrompts: 10)
        #expect(Set(urls.keys) == ["pretrain", "sft", "prompts", "eval_prompts"])
        let pretrain = try #require(urls["pretrain"])
        let sft = try #require(urls["sft"])
        let prompts = try #require(urls["prompts"])
        let evalPrompts = try #require(urls["eval_prompts"])

        #expect(try loadTextDocuments(at: pretrain).documents == task.pretrainingText(documents: 30))
        #expect(try loadSFTExamples(at: sft).examples == task.sftExamples(count: 20).map { SFTExample(prompt: $0.prompt, completion: $0.completion) })
        #expect(try loadPrompts(at: prompts).prompts == task.prompts(count: 15))
        #expect(try loadPrompts(at: evalPrompts).prompts == task.evalPrompts(count: 10))

        let firstLine = try #require(try String(contentsOf: sft, encoding: .utf8).split(separator: "\n").first)
        #expect(firstLine.hasPrefix(#"{"completion":" "#), "keys are sorted")

        let again = try task.writeFiles(to: directory.url.appendingPathComponent("again"), pretrain: 30, sft: 20, prompts: 15, evalPrompts: 10)
        for (name, url) in urls {
            #expect(try Data(contentsOf: url) == Data(contentsOf: try #require(again[name])), "\(name)")
        }
    }

    @Test func anUnwritableDirectoryIsAClearError() throws {
        let directory = try TemporaryDirectory()
        let blocker = directory.url.appendingPathComponent("file")
        try Data().write(to: blocker)
        let error = #expect(throws: BuiltinTaskError.self) {
            try BuiltinTask(seed: 1).writeFiles(to: blocker.appendingPathComponent("data"), pretrain: 1, sft: 1, prompts: 1, evalPrompts: 1)
        }
        #expect(error.map { "\($0)".contains(blocker.path) } == true)
    }
}
