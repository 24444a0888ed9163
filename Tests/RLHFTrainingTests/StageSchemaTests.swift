import Foundation
import RLHFTraining
import Testing

@Suite("Stage configs")
struct StageSchemaTests {
    @Test("the README documents every key of every stage config")
    func readmeDocumentsEveryKey() throws {
        let readme = try String(contentsOf: StageFixtures.repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        for schema in StageSchemas.all {
            for key in schema.keys {
                let documented = readme.contains("| `\(key.name)` |")
                #expect(documented, "README lacks \(key.name) of rlhf \(schema.name)")
            }
        }
    }

    @Test("every committed config under configs/ loads against its stage's schema")
    func committedConfigsLoad() throws {
        let directory = StageFixtures.repositoryRoot.appendingPathComponent("configs")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".yaml") }
        for file in files {
            let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            // Each config names its command on the first line: "# rlhf <command> ...".
            guard let command = text.split(separator: "\n").first?.split(separator: " ").dropFirst(2).first,
                  let schema = StageSchemas.all.first(where: { $0.name == command }) else { continue }
            #expect(throws: Never.self, "\(file)") {
                try RunConfig.load(schema: schema, file: directory.appendingPathComponent(file), overrides: [])
            }
        }
    }

    @Test("optimisation settings reject out-of-range values by key")
    func rangeChecks() throws {
        #expect {
            try OptimizationSettings(config: RunConfig.load(schema: StageSchemas.sft, file: nil,
                                                            overrides: ["model.init=m", "data.train=x", "train.lr=-1"]))
        } throws: { error in
            "\(error)".contains("train.lr")
        }
    }
}
