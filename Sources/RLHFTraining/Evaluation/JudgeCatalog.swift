import Foundation

/// The scripted judges that `compare.judge` and `eval.judge` name, looked up in one place.
///
/// - `builtin` (also `gold`): the built-in review task's `GoldJudge`;
/// - `stories`: `StoryJudge`, whose fluent vocabulary is the words of the text file in the
///   command's `judge_vocabulary` key.
public enum JudgeCatalog {
    /// Every judge name the config keys take.
    public static let names = ["builtin", "gold", "stories"]

    /// The judge that `<command>.judge` names in `config` (nil when empty), built with the
    /// command's other judge keys. An unknown name or an unreadable vocabulary is an error that
    /// names the key.
    public static func judge(in config: RunConfig, command: String) throws(ConfigError) -> (any ResponseJudge)? {
        let key = "\(command).judge"
        switch config.string(key) {
        case "": return nil
        case "builtin", "gold": return GoldJudge()
        case "stories": return StoryJudge(vocabulary: try vocabulary(fromKey: "\(command).judge_vocabulary", in: config))
        case let other:
            throw .invalidValue(key: key, reason: "must be one of \(names.joined(separator: ", ")) or empty, got \"\(other)\"")
        }
    }

    /// The lowercased words of the text file that `key` names.
    private static func vocabulary(fromKey key: String, in config: RunConfig) throws(ConfigError) -> Set<String> {
        guard let path = config.optionalString(key) else {
            throw .invalidValue(key: key, reason: "the stories judge needs a text file of stories whose words are its vocabulary, "
                                + "e.g. ../shared/data/text/tinystories-slice.txt")
        }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw .invalidValue(key: key, reason: "cannot read \(path) as UTF-8 text")
        }
        let words = Set(StoryText.words(text))
        guard !words.isEmpty else { throw .invalidValue(key: key, reason: "\(path) holds no words") }
        return words
    }
}
