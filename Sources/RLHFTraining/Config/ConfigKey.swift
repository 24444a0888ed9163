/// One documented key of a command's configuration.
public struct ConfigKey: Equatable, Sendable {
    /// Dotted name, e.g. `train.lr`; the YAML file nests it as `train: {lr: ...}`.
    public let name: String
    /// The type of the value.
    public let kind: ConfigKind
    /// The value used when neither the file nor an override gives one; nil makes the key required.
    public let defaultValue: ConfigValue?
    /// One line saying what the key controls, for `--help`, the README and `config.yaml`.
    public let help: String

    /// A key named `name` (segments of letters, digits, `_` and `-`, separated by dots).
    ///
    /// An integer default of a `.double` key is stored as a number; any other mismatch between
    /// `kind` and `defaultValue` is a programming error.
    public init(_ name: String, _ kind: ConfigKind, default defaultValue: ConfigValue? = nil, help: String) {
        let segments = name.split(separator: ".", omittingEmptySubsequences: false)
        precondition(!segments.isEmpty && segments.allSatisfy { !$0.isEmpty && $0.allSatisfy(Self.isNameCharacter) },
                     "config key '\(name)' must be dot-separated segments of letters, digits, '_' and '-'")
        let converted = defaultValue?.converted(to: kind)
        precondition(defaultValue == nil || converted != nil,
                     "default \(defaultValue.map(String.init(describing:)) ?? "") of config key '\(name)' is not a \(kind)")
        self.name = name
        self.kind = kind
        self.defaultValue = converted
        self.help = help
    }

    /// Whether the key has no default and must be given.
    public var isRequired: Bool { defaultValue == nil }

    private static func isNameCharacter(_ character: Character) -> Bool {
        character.isASCII && (character.isLetter || character.isNumber || character == "_" || character == "-")
    }
}
