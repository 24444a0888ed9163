import ArgumentParser
import Foundation
import RLHFData

/// `rlhf tokenizer`: train, inspect and use tokenizers.
struct TokenizerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenizer",
        abstract: "Train a byte-level BPE tokenizer, or encode and decode with any supported tokenizer.",
        subcommands: [TrainTokenizer.self, EncodeText.self, DecodeTokens.self])
}

/// `rlhf tokenizer train`.
struct TrainTokenizer: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a byte-level BPE tokenizer (GPT-2 style) and write it as a Hugging Face tokenizer.json.",
        discussion: """
            The corpus files are read as text documents: .txt (one document per paragraph) or JSONL \
            with a "text" field, optionally gzipped. Ids 0-255 are the bytes, then the merges, then \
            the special tokens; <|endoftext|> is EOS and <|pad|> is padding.
            """)

    @Option(parsing: .upToNextOption, help: "Corpus files (.txt, .jsonl, optionally .gz).")
    var corpus: [String]

    @Option(help: "Vocabulary size, special tokens included (at least 256 + the special tokens).")
    var vocabSize: Int

    @Option(help: "Where to write tokenizer.json.")
    var output: String

    @Option(help: "A pair must occur at least this often to be merged.")
    var minFrequency: Int = 2

    @Option(parsing: .upToNextOption, help: "Special tokens, in id order at the end of the vocabulary.")
    var specialTokens: [String] = ["<|endoftext|>", "<|pad|>"]

    func run() throws {
        var documents: [String] = []
        for path in corpus {
            let (loaded, summary) = try loadTextDocuments(at: URL(fileURLWithPath: path))
            print("data: \(summary)")
            documents += loaded
        }
        let start = Date()
        let trainer = BPETrainer(vocabSize: vocabSize, specialTokens: specialTokens, minFrequency: minFrequency)
        let tokenizer = try trainer.train(corpus: documents)
        try tokenizer.write(to: URL(fileURLWithPath: output))
        let tokens = documents.reduce(0) { $0 + tokenizer.encode($1).count }
        let bytes = documents.reduce(0) { $0 + $1.utf8.count }
        let summary = String(format: "%d tokens in %.1f s; the corpus is %d tokens (%.2f bytes per token)",
                             tokenizer.vocabSize, Date().timeIntervalSince(start), tokens, Double(bytes) / Double(max(tokens, 1)))
        print("tokenizer: \(summary); wrote \(output)")
    }
}

/// `rlhf tokenizer encode`.
struct EncodeText: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encode", abstract: "Print the token ids of a text (no special tokens added).")

    @Option(help: "tokenizer.json, llama2.c tokenizer.bin, or a model directory holding either.")
    var tokenizer: String

    @Argument(help: "The text; reads standard input when absent.")
    var text: String?

    func run() throws {
        let tokenizer = try loadTokenizer(at: URL(fileURLWithPath: self.tokenizer))
        let input = text ?? String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        print(tokenizer.encode(input).map(String.init).joined(separator: " "))
    }
}

/// `rlhf tokenizer decode`.
struct DecodeTokens: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode", abstract: "Print the text of token ids.")

    @Option(help: "tokenizer.json, llama2.c tokenizer.bin, or a model directory holding either.")
    var tokenizer: String

    @Argument(help: "Token ids.")
    var ids: [Int32]

    func run() throws {
        let tokenizer = try loadTokenizer(at: URL(fileURLWithPath: self.tokenizer))
        guard let bad = ids.first(where: { $0 < 0 || Int($0) >= tokenizer.vocabSize }) else {
            print(tokenizer.decode(ids))
            return
        }
        throw ValidationError("token id \(bad) is outside the vocabulary 0..<\(tokenizer.vocabSize)")
    }
}
