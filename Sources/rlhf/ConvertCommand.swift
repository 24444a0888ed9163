import ArgumentParser
import Foundation
import RLHFCore

/// `rlhf convert`: write any model we can read as a Hugging Face checkpoint directory.
struct Convert: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Convert a llama2.c .bin checkpoint (or a Hugging Face directory) to a Hugging Face Llama directory.",
        discussion: """
        The output holds config.json and model.safetensors, which transformers' LlamaForCausalLM \
        loads; RoPE rows of wq/wk are permuted from llama2.c's interleaved pairs to Hugging Face's \
        rotate_half convention. With --tokenizer, the llama2.c tokenizer is copied beside them.
        """
    )

    @Option(help: "Input: a llama2.c .bin file or a Hugging Face model directory.")
    var input: String

    @Option(help: "Output directory (created if missing).")
    var output: String

    @Option(help: "A llama2.c tokenizer.bin to copy into the output directory as tokenizer.bin.")
    var tokenizer: String?

    mutating func run() throws {
        let model = try loadModel(at: URL(fileURLWithPath: input))
        let out = URL(fileURLWithPath: output)
        try saveHFModel(config: model.config, head: model.head, parameters: model.parameters, to: out)
        if let tokenizer {
            let source = URL(fileURLWithPath: tokenizer)
            _ = try Llama2cTokenizer(contentsOf: source, vocabSize: model.config.vocabSize)
            let destination = out.appendingPathComponent("tokenizer.bin")
            try? FileManager.default.removeItem(at: destination)
            try FileManager.default.copyItem(at: source, to: destination)
        }
        print("wrote \(out.path) (\(model.layout.count) parameters, \(model.config.nLayers) layers)")
    }
}
