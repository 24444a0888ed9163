/// One prompt of the built-in task: review a product of some color and mention an aspect.
public struct ReviewRequest: Hashable, Sendable {
    /// The product to review, e.g. "kettle".
    public var product: String
    /// The product's color, e.g. "blue".
    public var color: String
    /// What the review must mention.
    public var aspect: ReviewAspect

    public init(product: String, color: String, aspect: ReviewAspect) {
        self.product = product
        self.color = color
        self.aspect = aspect
    }

    /// Reads the request back from a prompt: the first product, color and aspect it names.
    /// Nil when the prompt lacks one of them.
    public init?(prompt: String) {
        let words = ReviewText.words(of: prompt).map { $0.lowercased() }
        guard let product = words.first(where: ReviewVocabulary.products.members.contains),
              let color = words.first(where: ReviewVocabulary.colors.members.contains),
              let aspect = words.lazy.compactMap(ReviewAspect.init(rawValue:)).first
        else { return nil }
        self.init(product: product, color: color, aspect: aspect)
    }

    /// The prompt, e.g. "Review the blue kettle. Mention the price.\nReview:".
    ///
    /// It ends where the review begins, so that with the `plain` chat template (prompt and
    /// completion concatenated) a completion starting with a space continues it naturally.
    public var prompt: String {
        "Review the \(color) \(product). Mention the \(aspect.rawValue).\nReview:"
    }

    /// Every request of the world, in a fixed order.
    static let all: [ReviewRequest] = ReviewVocabulary.products.words.flatMap { product in
        ReviewVocabulary.colors.words.flatMap { color in
            ReviewAspect.allCases.map { ReviewRequest(product: product, color: color, aspect: $0) }
        }
    }
}
