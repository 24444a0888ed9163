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

    /// On real weights, the log-probs generation records for a sampled batch of different prompt
    /// lengths equal a full forward pass over the same tokens. The bound is twice the unit tests':
    /// stories260K's logits reach 20 to 30, where a plain float32 forward pass is itself up to
    /// 1.3e-5 away from float64, so two float32 paths can differ by twice that.
    @Test func sampledLogProbsMatchScoring() throws {
        let model = try loadModel(at: sharedData.appendingPathComponent("stories260k/stories260K.bin"))
        let generator = Generator(model: model, maxNewTokens: 120, eosToken: nil)
        var rng = RandomGenerator(seed: 1)
        let bos = Llama2cTokenizer.bos
        let prompts: [[Int32]] = [[bos], [bos, 403, 407, 261, 59], [bos, 300, 301, 302, 303, 304, 305, 306, 307, 308]]
        let sequences = try generator.generate(prompts: prompts, rng: &rng)
        let scored = try scoredLogProbs(model, sequences, temperature: 1)
        var worst: Float = 0
        for (s, expected) in zip(sequences, scored) {
            #expect(s.tokens.count == 120)
            for (a, b) in zip(s.logProbs, expected) { worst = max(worst, abs(a - b)) }
        }
        #expect(worst <= 2e-5, "largest difference \(worst)")
    }
}
