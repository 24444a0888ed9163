import Foundation
import Testing
import RLHFCore

/// The real pretrained stories260K checkpoint must reproduce the published greedy output of
/// llama2.c's run.c (see ../shared/data/README.md).
@Suite struct Stories260KTests {
    /// As the README quotes it, with line breaks shown as spaces.
    static let reference = """
        Once upon a time, there was a little girl named Lily. She loved to play outside in the park. \
        One day, she saw a big, red ball. She wanted to play with it, but it was too high. \
        Lily's mom said, "Lily, let's go to the park."
        """

    @Test func greedyDecodingFromBOSReproducesTheReferenceText() throws {
        let directory = sharedData.appendingPathComponent("stories260k")
        let model = try loadModel(at: directory.appendingPathComponent("stories260K.bin"))
        let tokenizer = try Llama2cTokenizer(contentsOf: directory.appendingPathComponent("tok512.bin"),
                                             vocabSize: model.config.vocabSize)
        let generator = Generator(model: model, sampling: .greedy, maxNewTokens: 100, eosToken: Llama2cTokenizer.eos)
        var rng = RandomGenerator(seed: 0)
        let output = try generator.generate(prompts: [[Llama2cTokenizer.bos]], rng: &rng)[0]
        let text = tokenizer.decode([Llama2cTokenizer.bos] + output.tokens)
        let flattened = text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(flattened.hasPrefix(Self.reference), "got: \(text)")
        #expect(text.contains("too high.\nLily's mom"), "run.c prints a line break there")
    }
}
