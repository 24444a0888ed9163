/// The sentence templates of the built-in task. A text is grammatical when each of its
/// sentences is an instance of one of them; a review is any sequence of such sentences.
///
/// No sentence matches two templates (same-shaped templates differ in a fixed word or draw
/// from disjoint word lists), so every grammatical sentence has one kind and one stance.
enum ReviewGrammar {
    static let templates: [SentenceTemplate] = [
        .init(.opening, .neutral, "I bought the {color} {product} last week."),
        .init(.opening, .neutral, "I ordered the {color} {product} for my {person}."),
        .init(.opening, .neutral, "I have used the {color} {product} for a {period}."),
        .init(.opening, .neutral, "My {person} gave me the {color} {product}."),
        .init(.opening, .neutral, "This is my review of the {product}."),
        .init(.opening, .neutral, "I bought this last {period}."),
        .init(.opening, .neutral, "I got this as a gift."),

        .init(.opinion, .positive, "I really love it."),
        .init(.opinion, .positive, "It works great."),
        .init(.opinion, .positive, "I am very happy with it."),
        .init(.opinion, .positive, "Overall, the {product} is excellent."),
        .init(.opinion, .positive, "It is a great {product}."),
        .init(.opinion, .negative, "I do not like it."),
        .init(.opinion, .negative, "I am disappointed with it."),
        .init(.opinion, .negative, "Overall, the {product} is a letdown."),
        .init(.opinion, .negative, "It does not work well."),
        .init(.opinion, .neutral, "It is okay."),
        .init(.opinion, .neutral, "It does the job."),

        .init(.aspect(.price), .positive, "The price is {goodPrice}."),
        .init(.aspect(.price), .positive, "It is worth the money."),
        .init(.aspect(.price), .negative, "The price is too high."),
        .init(.aspect(.price), .negative, "It costs too much."),
        .init(.aspect(.quality), .positive, "The quality is {goodQuality}."),
        .init(.aspect(.quality), .positive, "It feels well made."),
        .init(.aspect(.quality), .negative, "The quality is {badQuality}."),
        .init(.aspect(.quality), .negative, "It feels cheap and flimsy."),
        .init(.aspect(.size), .positive, "The size is just right."),
        .init(.aspect(.size), .positive, "It fits nicely on my {place}."),
        .init(.aspect(.size), .negative, "It is too {badSize} for my {place}."),
        .init(.aspect(.size), .negative, "The size is wrong for my {room}."),
        .init(.aspect(.design), .positive, "The design is {goodDesign}."),
        .init(.aspect(.design), .positive, "It looks beautiful in my {room}."),
        .init(.aspect(.design), .negative, "The design is {badDesign}."),
        .init(.aspect(.design), .negative, "It looks strange in my {room}."),
        .init(.aspect(.delivery), .positive, "The delivery was {goodDelivery}."),
        .init(.aspect(.delivery), .positive, "It came {count} days early."),
        .init(.aspect(.delivery), .negative, "The delivery was {badDelivery}."),
        .init(.aspect(.delivery), .negative, "It came {count} days late."),
        .init(.aspect(.durability), .positive, "It has lasted for {count} {longUnit}."),
        .init(.aspect(.durability), .positive, "It feels sturdy and durable."),
        .init(.aspect(.durability), .negative, "It broke after {count} {shortUnit}."),
        .init(.aspect(.durability), .negative, "It is already falling apart."),

        .init(.filler, .neutral, "I use it every day."),
        .init(.filler, .neutral, "It came in a {box} box."),
        .init(.filler, .neutral, "My {person} has one too."),
        .init(.filler, .neutral, "I read many reviews before buying."),
        .init(.filler, .neutral, "I keep it in my {room}."),

        .init(.ending, .positive, "I would recommend it to {audience}."),
        .init(.ending, .positive, "I would buy it again."),
        .init(.ending, .negative, "I would not buy it again."),
        .init(.ending, .negative, "I want my money back."),
        .init(.ending, .neutral, "Thanks for reading."),
        .init(.ending, .neutral, "That is all for now."),
    ]

    /// The template `sentence` is an instance of, if any.
    static func template(matching sentence: ArraySlice<String>) -> SentenceTemplate? {
        templatesByLength[sentence.count]?.first { $0.matches(sentence) }
    }

    /// The templates of one kind and stance, for sampling; empty when there are none.
    static func templates(_ kind: SentenceTemplate.Kind, _ polarity: SentenceTemplate.Polarity) -> [SentenceTemplate] {
        templatesByGroup[Group(kind: kind, polarity: polarity)] ?? []
    }

    private struct Group: Hashable {
        let kind: SentenceTemplate.Kind
        let polarity: SentenceTemplate.Polarity
    }

    // Only templates with as many tokens as a sentence can match it, so matching tries few.
    private static let templatesByLength = Dictionary(grouping: templates) { $0.parts.count }

    private static let templatesByGroup = Dictionary(grouping: templates) { Group(kind: $0.kind, polarity: $0.polarity) }
}
