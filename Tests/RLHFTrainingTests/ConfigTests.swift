import Foundation
import Testing
import RLHFTraining

@Suite struct ConfigTests {
    static let schema = ConfigSchema(name: "sft", keys: [
        ConfigKey("model.path", .string, help: "model directory to fine-tune"),
        ConfigKey("train.lr", .double, default: 3e-4, help: "peak learning rate"),
        ConfigKey("train.steps", .int, default: 1000, help: "optimiser steps"),
        ConfigKey("train.warmup", .double, default: 0, help: "warmup fraction"),
        ConfigKey("train.shuffle", .bool, default: true, help: "shuffle | reorder the data each epoch"),
        ConfigKey("data.files", .stringList, default: ["a.jsonl"], help: "training files"),
        ConfigKey("data.template", .string, default: "", help: "chat template; empty for the model's own"),
        ConfigKey("run.name", .string, default: "demo", help: "run name"),
    ])

    func load(_ yaml: String, _ overrides: [String] = []) throws(ConfigError) -> RunConfig {
        try RunConfig.load(schema: Self.schema, yaml: yaml, source: "test.yaml", overrides: overrides)
    }

    func error(_ yaml: String, _ overrides: [String] = []) -> ConfigError? {
        do {
            _ = try load(yaml, overrides)
            return nil
        } catch {
            return error
        }
    }

    @Test func defaultsFillKeysTheFileOmits() throws {
        let config = try load("model:\n  path: /m\n")
        #expect(config.string("model.path") == "/m")
        #expect(config.double("train.lr") == 3e-4)
        #expect(config.float("train.lr") == Float(3e-4))
        #expect(config.int("train.steps") == 1000)
        #expect(config.double("train.warmup") == 0)
        #expect(config.bool("train.shuffle"))
        #expect(config.stringList("data.files") == ["a.jsonl"])
        #expect(config.optionalString("data.template") == nil)
        #expect(config.optionalString("run.name") == "demo")
    }

    @Test func nestedAndDottedKeysFlatten() throws {
        let config = try load("""
            model.path: /m
            train:
              lr: 1e-3
              steps: 100_000
              warmup: 1
              shuffle: false
            data: {files: [x.jsonl, "y.jsonl"]}
            """)
        #expect(config.double("train.lr") == 1e-3)
        #expect(config.int("train.steps") == 100_000)
        #expect(config.double("train.warmup") == 1.0)
        #expect(config.bool("train.shuffle") == false)
        #expect(config.stringList("data.files") == ["x.jsonl", "y.jsonl"])
    }

    @Test func overridesWinOverTheFileWhichWinsOverDefaults() throws {
        let config = try load("model: {path: /m}\ntrain: {lr: 1e-3, steps: 5}\n", [
            "train.lr=2e-5", "train.shuffle=FALSE", "data.files=p.jsonl, q.jsonl", "run.name=a=b", "train.lr=4e-5",
        ])
        #expect(config.double("train.lr") == 4e-5)
        #expect(config.int("train.steps") == 5)
        #expect(config.bool("train.shuffle") == false)
        #expect(config.stringList("data.files") == ["p.jsonl", "q.jsonl"])
        #expect(config.string("run.name") == "a=b")
        let flow = try load("", ["model.path=/m", "data.files=[r.jsonl, 's t.jsonl']", "data.template=chatml"])
        #expect(flow.stringList("data.files") == ["r.jsonl", "s t.jsonl"])
        #expect(flow.optionalString("data.template") == "chatml")
        #expect(try load("", ["model.path=/m", "data.files="]).stringList("data.files") == [])
    }

    @Test func loadsFromAFileNamedByItsRelativePath() throws {
        let directory = try TemporaryDirectory()
        let url = URL(fileURLWithPath: "configs/sft.yaml", relativeTo: directory.url)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try "model: {path: /m}\ntrain: {lrate: 0.1}\n".write(to: url, atomically: true, encoding: .utf8)
        #expect(throws: ConfigError.unknownKey(key: "train.lrate", source: "configs/sft.yaml", suggestion: "train.lr")) {
            try RunConfig.load(schema: Self.schema, file: url, overrides: [])
        }
        let message = "configs/sft.yaml: unknown key \"train.lrate\" (did you mean \"train.lr\"?)"
        #expect(ConfigError.unknownKey(key: "train.lrate", source: "configs/sft.yaml", suggestion: "train.lr").description == message)

        try "model: {path: /m}\n".write(to: url, atomically: true, encoding: .utf8)
        #expect(try RunConfig.load(schema: Self.schema, file: url, overrides: ["train.steps=3"]).int("train.steps") == 3)
        #expect(try RunConfig.load(schema: Self.schema, file: nil, overrides: ["model.path=/n"]).string("model.path") == "/n")
    }

    @Test func unknownKeysSuggestOnlyCloseMatches() {
        #expect(error("model: {path: /m}\ntrain: {stesp: 1}") == .unknownKey(key: "train.stesp", source: "test.yaml", suggestion: "train.steps"))
        #expect(error("model: {path: /m}\nlr: 1") == .unknownKey(key: "lr", source: "test.yaml", suggestion: "train.lr"))
        #expect(error("model: {path: /m}\noptimizer: {betas: 1}") == .unknownKey(key: "optimizer", source: "test.yaml", suggestion: nil))
        #expect(error("", ["model.path=/m", "train.lrr=1"]) == .unknownKey(key: "train.lrr", source: "--set", suggestion: "train.lr"))
        #expect(ConfigError.unknownKey(key: "x", source: "--set", suggestion: nil).description == "--set: unknown key \"x\"")
    }

    @Test func valuesOfTheWrongTypeAreRejected() {
        #expect(error("model: {path: /m}\ntrain: {steps: 1.5}") == .wrongType(key: "train.steps", expected: .int, got: "\"1.5\"", source: "test.yaml"))
        #expect(error("model: {path: /m}\ntrain: {steps: 1e3}") == .wrongType(key: "train.steps", expected: .int, got: "\"1e3\"", source: "test.yaml"))
        #expect(error("model: {path: /m}\ntrain: {lr: fast}") == .wrongType(key: "train.lr", expected: .double, got: "\"fast\"", source: "test.yaml"))
        #expect(error("model: {path: /m}\ntrain: {shuffle: yes}") == .wrongType(key: "train.shuffle", expected: .bool, got: "\"yes\"", source: "test.yaml"))
        #expect(error("model: {path: /m}\ntrain: {lr: {a: 1}}") == .wrongType(key: "train.lr", expected: .double, got: "a mapping", source: "test.yaml"))
        #expect(error("model: {path: /m}\ntrain: {lr: [1]}") == .wrongType(key: "train.lr", expected: .double, got: "a list", source: "test.yaml"))
        #expect(error("model: {path: /m}\ndata: {files: [[a]]}")
            == .wrongType(key: "data.files", expected: .stringList, got: "a list with a nested list or mapping", source: "test.yaml"))
        #expect(error("", ["model.path=/m", "train.steps=ten"]) == .wrongType(key: "train.steps", expected: .int, got: "\"ten\"", source: "--set"))
        #expect(ConfigError.wrongType(key: "train.steps", expected: .int, got: "\"ten\"", source: "--set").description
            == "--set: \"train.steps\" must be an integer, got \"ten\"")
    }

    @Test func requiredKeysMustBeGiven() {
        #expect(error("train: {lr: 1}") == .missingRequired(key: "model.path"))
        #expect(error("model: {path: null}") == .missingRequired(key: "model.path"))
        #expect(error("model: {path: ~}", ["model.path=/m"]) == nil)
        #expect(ConfigError.missingRequired(key: "model.path").description.contains("--set model.path="))
    }

    @Test func nullRestoresTheDefaultAndQuotedNullIsAString() throws {
        let config = try load("model: {path: 'null'}\ntrain: {lr: ~, steps: null}\ndata:\n")
        #expect(config.string("model.path") == "null")
        #expect(config.double("train.lr") == 3e-4)
        #expect(config.int("train.steps") == 1000)
    }

    @Test func structuralProblemsAreReported() throws {
        #expect(error("- a\n- b\n") == .notAMapping(source: "test.yaml", key: nil))
        #expect(error("model: /m\n") == .notAMapping(source: "test.yaml", key: "model"))
        #expect(error("model: {path: /m}\ntrain.lr: 1\ntrain: {lr: 2}\n") == .duplicateKey(key: "train.lr", source: "test.yaml"))
        #expect(error("", ["train.lr"]) == .badOverride(text: "train.lr"))
        #expect(error("", ["=1"]) == .badOverride(text: "=1"))
        #expect(try load("", ["model.path=/m"]).string("model.path") == "/m")
        #expect(try load("# only a comment\n", ["model.path=/m"]).string("model.path") == "/m")
    }

    @Test func invalidYAMLNamesTheLine() throws {
        guard case .invalidYAML(let path, let reason) = error("model: {path: /m}\ntrain:\n  lr: [1, 2\n") else {
            Issue.record("expected invalidYAML")
            return
        }
        #expect(path == "test.yaml")
        #expect(reason.contains("line "))
        guard case .invalidYAML(_, let duplicate) = error("train: {lr: 1, lr: 2}") else {
            Issue.record("expected invalidYAML for a duplicated key")
            return
        }
        #expect(duplicate.contains("\"lr\""))
    }

    @Test func unreadableFilesAreReported() throws {
        let directory = try TemporaryDirectory()
        let missing = directory.url.appendingPathComponent("absent.yaml")
        #expect {
            try RunConfig.load(schema: Self.schema, file: missing, overrides: [])
        } throws: { error in
            guard case .unreadable(let path, _) = error as? ConfigError else { return false }
            return path == missing.path
        }
        let binary = directory.url.appendingPathComponent("binary.yaml")
        try Data([0xFF, 0xFE, 0x00, 0x80]).write(to: binary)
        #expect(throws: ConfigError.unreadable(path: binary.path, reason: "the file is not UTF-8 text")) {
            try RunConfig.load(schema: Self.schema, file: binary, overrides: [])
        }
    }

    @Test func yamlRoundTripsEveryValue() throws {
        let config = try load("", [
            "model.path=/models/a b: \"quoted\" # not a comment \\ back\tslash",
            "train.lr=1e-5", "train.warmup=-.inf", "train.steps=-3", "train.shuffle=false",
            "data.files=[\"x, y\", 'é', '', '[z]']", "data.template=line\nbreak\u{2028}bell\u{07}\u{85}", "run.name=123",
        ])
        let text = config.yaml()
        #expect(text.contains("  lr: 1.0e-05  # peak learning rate\n"))
        let reloaded = try load(text)
        #expect(reloaded == config)
        #expect(reloaded.stringList("data.files") == ["x, y", "é", "", "[z]"])
        #expect(reloaded.string("run.name") == "123")
        #expect(reloaded.string("data.template") == "line\nbreak\u{2028}bell\u{07}\u{85}")

        let directory = try TemporaryDirectory()
        let url = directory.url.appendingPathComponent("config.yaml")
        try text.write(to: url, atomically: true, encoding: .utf8)
        #expect(try RunConfig.load(schema: Self.schema, file: url, overrides: []) == config)
    }

    @Test func yamlGroupsInterleavedSections() throws {
        let schema = ConfigSchema(name: "x", keys: [
            ConfigKey("a.x", .int, default: 1, help: ""),
            ConfigKey("b", .int, default: 2, help: ""),
            ConfigKey("a.y.z", .int, default: 3, help: ""),
        ])
        let config = try RunConfig.load(schema: schema, file: nil, overrides: [])
        let text = config.yaml()
        #expect(text.hasSuffix("a:\n  x: 1\n  y:\n    z: 3\nb: 2\n"))
        #expect(try RunConfig.load(schema: schema, yaml: text, source: "x") == config)
    }

    @Test func requireReportsTheKeyValueAndReason() throws {
        let config = try load("model: {path: /m}\ntrain: {lr: 0}")
        #expect(throws: ConfigError.invalidValue(key: "train.lr", reason: "must be > 0 (got 0.0)")) {
            try config.require("train.lr", config.double("train.lr") > 0, "must be > 0")
        }
        try config.require("train.steps", config.int("train.steps") > 0, "must be positive")
        #expect(ConfigError.invalidValue(key: "train.lr", reason: "must be > 0 (got 0.0)").description
            == "invalid value for \"train.lr\": must be > 0 (got 0.0)")
    }

    @Test func markdownTableDocumentsEveryKey() {
        let lines = Self.schema.markdownTable().split(separator: "\n")
        #expect(lines.count == 2 + Self.schema.keys.count)
        #expect(lines[0] == "| key | type | default | meaning |")
        #expect(lines[1] == "|---|---|---|---|")
        #expect(lines[2] == "| `model.path` | string | required | model directory to fine-tune |")
        #expect(lines[3] == "| `train.lr` | number | `0.0003` | peak learning rate |")
        #expect(lines[6] == "| `train.shuffle` | boolean | `true` | shuffle \\| reorder the data each epoch |")
        #expect(lines[7] == "| `data.files` | list of strings | `[\"a.jsonl\"]` | training files |")
    }

    @Test func valuesParseByKind() {
        #expect(ConfigValue.parse(" 42 ", as: .int) == .int(42))
        #expect(ConfigValue.parse("42", as: .double) == .double(42))
        #expect(ConfigValue.parse(".inf", as: .double) == .double(.infinity))
        #expect(ConfigValue.parse("0x10", as: .double) == nil)
        #expect(ConfigValue.parse("True", as: .bool) == .bool(true))
        #expect(ConfigValue.parse("1", as: .bool) == nil)
        #expect(ConfigValue.parse("a, ,b", as: .stringList) == .stringList(["a", "b"]))
        #expect(ConfigValue.double(1e20).description == "1.0e+20")
        #expect(ConfigValue.double(0.5).description == "0.5")
        #expect(ConfigValue.string("a\"b").description == "\"a\\\"b\"")
    }
}
