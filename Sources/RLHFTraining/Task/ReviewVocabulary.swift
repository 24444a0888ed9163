/// The words of the built-in task's world: what can be reviewed, in which colors, and the word
/// lists that the sentence templates draw from. Every word is a single lowercase ASCII word, so
/// slots match one whitespace-separated word.
enum ReviewVocabulary {
    static let products = WordList("product", [
        "kettle", "lamp", "backpack", "chair", "toaster", "blender", "umbrella", "jacket",
        "headphones", "mug", "keyboard", "speaker", "blanket", "clock", "fan", "pillow",
        "bottle", "wallet", "watch", "camera", "tent", "scarf", "helmet", "mouse",
        "printer", "sofa", "bicycle", "teapot",
    ])

    static let colors = WordList("color", ["blue", "red", "green", "black", "white", "gray", "yellow", "orange"])

    /// Every slot a template spec may name.
    static let wordLists: [String: WordList] = Dictionary(uniqueKeysWithValues: [
        products,
        colors,
        WordList("person", ["sister", "brother", "mother", "father", "friend", "son", "daughter", "wife", "husband", "neighbor"]),
        WordList("period", ["week", "month", "year"]),
        WordList("room", ["kitchen", "bedroom", "office", "hallway", "studio"]),
        WordList("place", ["shelf", "counter", "table", "desk"]),
        WordList("count", ["two", "three", "four", "five"]),
        WordList("longUnit", ["months", "years"]),
        WordList("shortUnit", ["days", "weeks"]),
        WordList("box", ["plain", "small", "large"]),
        WordList("audience", ["anyone", "everyone", "friends", "family"]),
        WordList("goodPrice", ["fair", "reasonable", "low"]),
        WordList("goodQuality", ["excellent", "superb", "solid"]),
        WordList("badQuality", ["poor", "disappointing"]),
        WordList("badSize", ["big", "small", "bulky"]),
        WordList("goodDesign", ["elegant", "modern", "clean"]),
        WordList("badDesign", ["ugly", "dated", "clumsy"]),
        WordList("goodDelivery", ["fast", "quick"]),
        WordList("badDelivery", ["slow", "late"]),
    ].map { ($0.name, $0) })

    /// Polite or positive words that the gold judge rewards. None of them occurs in a negative
    /// sentence of the grammar, so tone and stance agree.
    static let toneWords: Set<String> = [
        "love", "great", "happy", "excellent", "superb", "recommend", "thanks", "beautiful", "elegant",
    ]
}
