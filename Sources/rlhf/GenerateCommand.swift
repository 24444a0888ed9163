import ArgumentParser
import Foundation
import RLHFCore

/// `rlhf generate`: sample text from a model.
struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate text from a model (a Hugging Face directory or a llama2.c .bin).",
        discussion: """
        Example: rlhf generate --model stories260K.bin --tokenizer tok512.bin --prompt "Once upon a time" --temperature 0
        """
    )

    @Option(help: "Model: a directory with config.json + model.safetensors, or a llama2.c .bin file.")
    var model: String

    @Option(help: "llama2.c tokenizer.bin (default: tokenizer.bin inside the model directory).")
    var tokenizer: String?

    @Option(help: "Prompt text; empty starts from BOS alone.")
    var prompt: String = ""

    @Option(help: "Softmax temperature; 0 is greedy decoding.")
    var temperature: Float = 1.0

    @Option(name: .customLong("top-k"), help: "Sample only from the k most likely tokens (0 = all).")
    var topK: Int = 0

    @Option(name: .customLong("top-p"), help: "Sample from the smallest set of tokens with this total probability (1 = all).")
    var topP: Float = 1.0

    @Option(help: "Maximum number of tokens to generate per sample.")
    var maxNewTokens: Int = 256

    @Option(help: "Number of samples, generated as one batch.")
    var samples: Int = 1

    @Option(help: "Random seed; the same seed gives the same text.")
    var seed: UInt64 = 0

    @Option(help: "OpenBLAS threads.")
    var threads: Int = 1

    @Flag(name: .customLong("token-ids"), help: "Print the generated token ids (one line per sample) instead of text.")
    var tokenIDs = false

    mutating func run() throws {
        setBLASThreads(threads)
        let modelURL = URL(fileURLWithPath: model)
        let llama = try loadModel(at: modelURL)
        let tokenizerURL = try resolveTokenizer(modelURL: modelURL)
        let tok = try Llama2cTokenizer(contentsOf: tokenizerURL, vocabSize: llama.config.vocabSize)
        let promptTokens = tok.encode(prompt, bos: true, eos: false)
        let generator = Generator(model: llama, sampling: SamplingParameters(temperature: temperature, topK: topK, topP: topP),
                                  maxNewTokens: maxNewTokens, eosToken: Llama2cTokenizer.eos)
        var rng = RandomGenerator(seed: seed)
        let start = Date()
        let outputs = try generator.generate(prompts: Array(repeating: promptTokens, count: samples), rng: &rng)
        let seconds = Date().timeIntervalSince(start)
        for (i, output) in outputs.enumerated() {
            if tokenIDs {
                print(output.tokens.map(String.init).joined(separator: " "))
                continue
            }
            if samples > 1 { print("--- sample \(i + 1)") }
            print(tok.decode(promptTokens + output.tokens.filter { $0 != Llama2cTokenizer.eos }))
        }
        let tokens = outputs.reduce(0) { $0 + $1.tokens.count }
        FileHandle.standardError.write(Data(String(format: "%d tokens in %.2f s (%.0f tokens/s)\n", tokens, seconds, Double(tokens) / seconds).utf8))
    }

    private func resolveTokenizer(modelURL: URL) throws -> URL {
        if let tokenizer { return URL(fileURLWithPath: tokenizer) }
        let beside = modelURL.appendingPathComponent("tokenizer.bin")
        guard FileManager.default.fileExists(atPath: beside.path) else {
            throw ValidationError("no tokenizer: pass --tokenizer PATH (a llama2.c tokenizer.bin), or convert the model with --tokenizer so that its directory holds tokenizer.bin")
        }
        return beside
    }
}
