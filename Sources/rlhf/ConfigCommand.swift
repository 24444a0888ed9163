import ArgumentParser
import RLHFTraining

/// `rlhf config`: the documented keys of each command's config.
struct ConfigKeys: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Print every config key of a command with its type, default and meaning.",
        discussion: "Example: rlhf config sft. Without a command, prints the keys of every command.")

    @Argument(help: "pretrain, sft, rm, eval, compare or ppo.")
    var command: String?

    @Flag(help: "Print Markdown tables (as in the README).")
    var markdown = false

    @OptionGroup var options: StageOptions

    @Option(help: "Print this key's resolved value (from --config, --section and --set) instead of the key list.")
    var key: String?

    func run() throws {
        let schemas = try command.map { name in
            guard let schema = StageSchemas.all.first(where: { $0.name == name }) else {
                throw ValidationError("no command '\(name)' takes a config; choose one of \(StageSchemas.all.map(\.name).joined(separator: ", "))")
            }
            return [schema]
        } ?? StageSchemas.all
        if let key {
            guard let schema = schemas.first, schemas.count == 1, schema.key(named: key) != nil else {
                throw ValidationError("--key needs one command that has the key '\(key)'")
            }
            print(try options.load(schema).value(key).plainText)
            return
        }
        for schema in schemas {
            if markdown {
                print("### `rlhf \(schema.name)`\n\n" + schema.markdownTable())
            } else {
                print("rlhf \(schema.name):")
                for key in schema.keys {
                    let value = key.defaultValue.map { String(describing: $0) } ?? "(required)"
                    print("  \(key.name) [\(key.kind)] = \(value)\n      \(key.help)")
                }
            }
        }
    }
}
