/// What a prompt of the built-in task asks the review to mention.
public enum ReviewAspect: String, CaseIterable, Hashable, Sendable {
    case price, quality, size, design, delivery, durability
}
