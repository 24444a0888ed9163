/// One turn of a conversation, as in the `{"messages": [{"role", "content"}]}` data format.
public struct ChatMessage: Equatable, Sendable, Codable {
    /// Who speaks. Only assistant turns are trained on in SFT.
    public enum Role: String, Equatable, Sendable, Codable, CaseIterable {
        case system, user, assistant
    }

    public var role: Role
    public var content: String

    public init(role: Role, content: String) {
        self.role = role
        self.content = content
    }
}
