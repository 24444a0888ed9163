import Foundation

extension BuiltinTask {
    /// Writes the task's data sets into `directory` (created if missing) and returns their
    /// URLs by name:
    /// - "pretrain": `pretrain.txt`, `pretrain` documents separated by blank lines;
    /// - "sft": `sft.jsonl`, `sft` lines of {"completion", "prompt"};
    /// - "prompts": `prompts.jsonl`, `prompts` lines of {"prompt"} for reinforcement learning;
    /// - "eval_prompts": `eval_prompts.jsonl`, `evalPrompts` held-out lines of {"prompt"}.
    ///
    /// JSON keys are sorted, so the same seed writes the same bytes.
    public func writeFiles(
        to directory: URL, pretrain: Int, sft: Int, prompts: Int, evalPrompts: Int
    ) throws(BuiltinTaskError) -> [String: URL] {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw .io(path: directory.path, detail: "cannot create the directory: \(error.localizedDescription)")
        }
        let files: [(name: String, file: String, contents: () throws -> String)] = [
            ("pretrain", "pretrain.txt", { pretrainingText(documents: pretrain).map { $0 + "\n" }.joined(separator: "\n") }),
            ("sft", "sft.jsonl", { try jsonLines(sftExamples(count: sft).map { ["prompt": $0.prompt, "completion": $0.completion] }) }),
            ("prompts", "prompts.jsonl", { try jsonLines(self.prompts(count: prompts).map { ["prompt": $0] }) }),
            ("eval_prompts", "eval_prompts.jsonl", { try jsonLines(self.evalPrompts(count: evalPrompts).map { ["prompt": $0] }) }),
        ]
        var urls: [String: URL] = [:]
        for (name, file, contents) in files {
            let url = directory.appendingPathComponent(file)
            do {
                try Data(contents().utf8).write(to: url, options: .atomic)
            } catch {
                throw .io(path: url.path, detail: "cannot write: \(error.localizedDescription)")
            }
            urls[name] = url
        }
        return urls
    }

    /// One JSON object per line, keys sorted.
    private func jsonLines(_ objects: [[String: String]]) throws -> String {
        try objects.map { object in
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            return String(decoding: data, as: UTF8.self) + "\n"
        }.joined()
    }
}
