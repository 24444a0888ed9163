import Foundation

/// The hidden rule of the stories260K run, standing in for people who like children's stories
/// that end well: a score in [0, 10] for a story's continuation given its opening (the prompt).
/// The policy never sees it; the simulated annotators' preferences derive from it, and
/// evaluation measures against it.
///
/// A continuation starts from 4 and gains or loses:
/// - +4 for a happy ending: a word of `happyWords` (happy, smiled, laughed, loved, fun,
///   friends, hugged, ...) in its last finished sentence (a response cut off mid-sentence ends
///   at the sentence before; ending early earns nothing, so the rule does not favour EOS);
/// - +2 for naming the prompt's character again (the first name of `characterNames` in the
///   prompt; a prompt that names nobody earns it without condition);
/// - -1 per sentence short of 3 or beyond 7, at most -2;
/// - -2 per sentence that repeats an earlier one;
/// - -10 times the share of its words outside the vocabulary (the words of a TinyStories
///   text), at most -3: a share, so that shorter responses gain nothing.
///
/// The total is clamped to [0, 10]. A response is fluent when every word is in the vocabulary.
public struct StoryJudge: ResponseJudge {
    /// What the judge measured in one continuation; `score` combines it.
    public struct Criteria: Equatable, Sendable {
        /// The last finished sentence holds a happy word.
        public var endsHappily: Bool
        /// The prompt's character is named again (true when the prompt names nobody).
        public var namesCharacter: Bool
        /// Sentences, the last one counted even when unfinished.
        public var sentenceCount: Int
        /// Sentences that repeat an earlier one.
        public var repeatedSentences: Int
        /// Words outside the vocabulary.
        public var unknownWords: Int
        /// Words in all.
        public var wordCount: Int

        public init(endsHappily: Bool, namesCharacter: Bool, sentenceCount: Int, repeatedSentences: Int, unknownWords: Int,
                    wordCount: Int) {
            self.endsHappily = endsHappily
            self.namesCharacter = namesCharacter
            self.sentenceCount = sentenceCount
            self.repeatedSentences = repeatedSentences
            self.unknownWords = unknownWords
            self.wordCount = wordCount
        }

        /// The sentence counts without a length penalty.
        public static let sentenceRange = 3...7

        /// The continuation's score in [0, 10].
        public var score: Double {
            var score = 4.0
            if endsHappily { score += 4 }
            if namesCharacter { score += 2 }
            let outside = max(Self.sentenceRange.lowerBound - sentenceCount, sentenceCount - Self.sentenceRange.upperBound, 0)
            score -= Double(min(outside, 2))
            score -= 2 * Double(repeatedSentences)
            score -= min(10 * Double(unknownWords) / Double(max(wordCount, 1)), 3)
            return min(max(score, 0), 10)
        }
    }

    /// Words that make a sentence a happy one.
    public static let happyWords: Set<String> = [
        "happy", "happily", "happier", "glad", "smile", "smiled", "smiles", "smiling", "laugh", "laughed", "laughing",
        "love", "loved", "loves", "fun", "friends", "hug", "hugged", "joy", "proud", "thanked", "best",
    ]

    /// The names a prompt's character may have (TinyStories' most frequent ones).
    public static let characterNames: [String] = [
        "Lily", "Tom", "Tim", "Ben", "Max", "Mia", "Sue", "Anna", "Sam", "Lucy", "Jack", "Sara", "Amy", "Bob",
        "Timmy", "Billy", "Jane", "Molly", "Zoe", "Kitty", "Spot", "Mike", "Emma", "Leo",
    ]

    /// The words a fluent story uses, lowercased.
    public let vocabulary: Set<String>

    /// A judge whose fluent vocabulary is `vocabulary` (lowercased words).
    public init(vocabulary: Set<String>) {
        self.vocabulary = vocabulary
    }

    /// The score of `response` to `prompt`, in [0, 10].
    public func score(prompt: String, response: String) -> Double {
        criteria(prompt: prompt, response: response).score
    }

    /// Whether every word of `response` is in the vocabulary.
    public func isFluent(_ response: String) -> Bool {
        StoryText.words(response).allSatisfy(vocabulary.contains)
    }

    /// The words of `response`: runs of letters and apostrophes.
    public func wordCount(_ response: String) -> Int {
        StoryText.words(response).count
    }

    /// The character a prompt names: the first word of `characterNames` in it, if any.
    public static func character(in prompt: String) -> String? {
        let names = Set(characterNames.map { $0.lowercased() })
        return StoryText.words(prompt).first(where: names.contains)
    }

    /// Each criterion measured on `response` to `prompt`.
    public func criteria(prompt: String, response: String) -> Criteria {
        let story = StoryText(response)
        let words = story.allWords
        let finishedSentences = story.isFinished ? story.words[...] : story.words.dropLast()
        return Criteria(
            endsHappily: finishedSentences.last?.contains(where: Self.happyWords.contains) ?? false,
            namesCharacter: Self.character(in: prompt).map(words.contains) ?? true,
            sentenceCount: story.sentences.count,
            repeatedSentences: story.sentences.indices.count(where: { story.sentences[..<$0].contains(story.sentences[$0]) }),
            unknownWords: words.count(where: { !vocabulary.contains($0) }),
            wordCount: words.count
        )
    }
}
