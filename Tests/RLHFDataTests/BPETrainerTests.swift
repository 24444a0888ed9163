import Foundation
import RLHFCore
import RLHFData
import Testing

@Suite struct BPETrainerTests {
    /// 300 seeded random sentences over a small vocabulary: enough repetition for hundreds of
    /// merges, small enough to train in a moment.
    static let corpus: [String] = {
        let words = [
            "the", "cat", "sat", "on", "mat", "hello", "world", "quick", "brown", "fox", "jumps", "over",
            "lazy", "dog", "and", "a", "little", "girl", "named", "Lily", "loved", "to", "play", "outside",
            "in", "park", "one", "day", "she", "saw", "big", "red", "ball", "it's", "don't", "42", "2024",
        ]
        var generator = RandomGenerator(seed: 7)
        return (0..<300).map { _ in
            let sentence = (0..<Int.random(in: 4...12, using: &generator)).map { _ in words.randomElement(using: &generator) ?? "the" }
            return sentence.joined(separator: " ") + ".\n"
        }
    }()

    @Test("the vocabulary reaches the requested size, special tokens last")
    func reachesVocabSize() throws {
        let tokenizer = try BPETrainer(vocabSize: 300).train(corpus: Self.corpus)
        #expect(tokenizer.vocabSize == 300)
        #expect(tokenizer.specialTokens == SpecialTokens(bos: nil, eos: 298, pad: 299))
        #expect(tokenizer.token(withID: 298) == "<|endoftext|>")
        #expect(tokenizer.token(withID: 299) == "<|pad|>")
        #expect(tokenizer.token(withID: 32) == "Ġ")
        #expect(tokenizer.encode("<|endoftext|>") == [298])
        #expect(tokenizer.decode([298, 299]) == "")
    }

    @Test("training is deterministic: two runs write identical files")
    func deterministic() throws {
        let scratch = try TokenizerScratchDirectory()
        let first = try BPETrainer(vocabSize: 400).train(corpus: Self.corpus)
        let second = try BPETrainer(vocabSize: 400).train(corpus: Self.corpus)
        #expect(first == second)
        let firstFile = scratch.url.appendingPathComponent("first.json")
        let secondFile = scratch.url.appendingPathComponent("second.json")
        try first.write(to: firstFile)
        try second.write(to: secondFile)
        #expect(try Data(contentsOf: firstFile) == Data(contentsOf: secondFile))
    }

    @Test("frequent words become single tokens")
    func frequentWords() throws {
        let tokenizer = try BPETrainer(vocabSize: 400).train(corpus: Self.corpus)
        for word in [" the", " hello", " world", " little", " don't"] {
            #expect(tokenizer.encode(word).count == (word == " don't" ? 2 : 1), "\(word.debugDescription)")
        }
        #expect(tokenizer.decode(tokenizer.encode(" hello world")) == " hello world")
    }

    @Test("the written file loads back to an identical tokenizer")
    func writeAndLoad() throws {
        let scratch = try TokenizerScratchDirectory()
        let tokenizer = try BPETrainer(vocabSize: 350).train(corpus: Self.corpus)
        let file = scratch.url.appendingPathComponent("tokenizer.json")
        try tokenizer.write(to: file)
        let reloaded = try BPETokenizer(contentsOf: file)
        #expect(reloaded == tokenizer)
        for text in randomStrings(count: 50, seed: 3) + Self.corpus.prefix(20) {
            #expect(reloaded.encode(text) == tokenizer.encode(text))
        }

        // The parts the Hugging Face library needs to read it as a GPT-2-style tokenizer.
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        let preTokenizer = try #require(json["pre_tokenizer"] as? [String: Any])
        #expect(preTokenizer["type"] as? String == "ByteLevel")
        #expect(preTokenizer["add_prefix_space"] as? Bool == false)
        #expect((json["decoder"] as? [String: Any])?["type"] as? String == "ByteLevel")
        let added = try #require(json["added_tokens"] as? [[String: Any]])
        #expect(added.map { $0["content"] as? String } == ["<|endoftext|>", "<|pad|>"])
        #expect(added.allSatisfy { $0["special"] as? Bool == true })
        let model = try #require(json["model"] as? [String: Any])
        #expect((model["vocab"] as? [String: Any])?.count == 350)
        #expect((model["merges"] as? [String])?.count == 350 - 256 - 2)
    }

    @Test("a small corpus stops early, special tokens right after the learned ones")
    func stopsEarly() throws {
        let tokenizer = try BPETrainer(vocabSize: 1000).train(corpus: ["abab abab", "abab"])
        // Merges "a b" (6 times) and "ab ab" (3 times); " " + "abab" occurs once, too rare.
        #expect(tokenizer.vocabSize == 256 + 2 + 2)
        #expect(tokenizer.specialTokens.eos == 258)
        #expect(tokenizer.encode("abab abab") == [257, 32, 257])
    }

    @Test("ties go to the pair whose bytes sort first")
    func tieBreak() throws {
        let tokenizer = try BPETrainer(vocabSize: 259).train(corpus: ["xy", "ab", "xy", "ab"])
        #expect(tokenizer.encode("ab").count == 1)
        #expect(tokenizer.encode("xy").count == 2)
    }

    @Test("pairs rarer than minFrequency are not merged")
    func minFrequency() throws {
        #expect(try BPETrainer(vocabSize: 300).train(corpus: ["ab"]).vocabSize == 258)
        #expect(try BPETrainer(vocabSize: 300, minFrequency: 1).train(corpus: ["ab"]).vocabSize == 259)
    }

    @Test("special tokens in the corpus are cut out, not learned")
    func specialTokensNotLearned() throws {
        let corpus = Array(repeating: "<|endoftext|>hello there<|endoftext|><|pad|>", count: 50)
        let tokenizer = try BPETrainer(vocabSize: 300).train(corpus: corpus)
        let learned = (0..<Int32(tokenizer.vocabSize - 2)).compactMap { tokenizer.token(withID: $0) }
        #expect(!learned.contains { $0.contains("endoftext") || $0.contains("|>") || $0.contains("<|") })
        #expect(tokenizer.encode("<|endoftext|>hello") == [try #require(tokenizer.specialTokens.eos)] + tokenizer.encode("hello"))
    }

    @Test("impossible settings are errors that say what to change")
    func invalidSettings() throws {
        let cases: [BPETrainer] = [
            BPETrainer(vocabSize: 257),
            BPETrainer(vocabSize: 300, minFrequency: 0),
            BPETrainer(vocabSize: 300, specialTokens: ["<s>", "<s>"]),
            BPETrainer(vocabSize: 300, specialTokens: [""]),
            BPETrainer(vocabSize: 300, specialTokens: ["a"]),
        ]
        for trainer in cases {
            #expect(throws: TokenizerError.self, "\(trainer)") { try trainer.train(corpus: Self.corpus) }
        }
        do {
            _ = try BPETrainer(vocabSize: 100).train(corpus: Self.corpus)
        } catch {
            #expect(error.description.contains("at least 258"))
        }
    }

    @Test("training on 1 MB of text is fast", .enabled(if: TokenizerFixtures.hasShakespeare, "needs ../shared/data/text/tinyshakespeare.txt"))
    func trainMegabyte() throws {
        let text = try String(contentsOf: TokenizerFixtures.shakespeare, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { String($0) + "\n" }
        let clock = ContinuousClock()
        var tokenizer: BPETokenizer?
        let elapsed = try clock.measure { tokenizer = try BPETrainer(vocabSize: 2000).train(corpus: lines) }
        print("trained vocabulary 2000 on \(text.utf8.count) bytes in \(elapsed)")
        #expect(tokenizer?.vocabSize == 2000)
        // Far above the release-build time; catches a non-incremental (quadratic) trainer.
        #expect(elapsed < .seconds(120))
    }
}
