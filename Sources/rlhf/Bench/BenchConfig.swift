import ArgumentParser
import RLHFCore

/// The model shapes every benchmark and its PyTorch peer (`scripts/bench/peer_torch.py`) share.
struct BenchConfig {
    let name: String
    let model: ModelConfig
    /// Training and scoring batch: B sequences of T tokens.
    let batch: Int, time: Int

    static let all: [BenchConfig] = [
        BenchConfig(name: "stories260k", model: ModelConfig(dim: 64, nLayers: 5, nHeads: 8, nKVHeads: 4, hiddenDim: 172,
                                                            vocabSize: 512, maxSeqLen: 512, tieEmbeddings: true), batch: 16, time: 256),
        BenchConfig(name: "small", model: ModelConfig(dim: 128, nLayers: 4, nHeads: 4, nKVHeads: 4, hiddenDim: 352,
                                                      vocabSize: 512, maxSeqLen: 256, tieEmbeddings: false), batch: 16, time: 128),
        BenchConfig(name: "medium", model: ModelConfig(dim: 256, nLayers: 6, nHeads: 8, nKVHeads: 8, hiddenDim: 688,
                                                       vocabSize: 2048, maxSeqLen: 256, tieEmbeddings: false), batch: 8, time: 256),
        BenchConfig(name: "large", model: ModelConfig(dim: 768, nLayers: 12, nHeads: 12, nKVHeads: 12, hiddenDim: 2048,
                                                      vocabSize: 32000, maxSeqLen: 256, tieEmbeddings: false), batch: 4, time: 256),
    ]

    /// The configs' names, comma-separated, for help texts and errors.
    static let names = all.map(\.name).joined(separator: ", ")

    /// The config called `name`; a usage error that lists the names otherwise.
    static func named(_ name: String) throws(ValidationError) -> BenchConfig {
        guard let config = all.first(where: { $0.name == name }) else {
            throw ValidationError("unknown bench config '\(name)'; choose from \(names)")
        }
        return config
    }

    /// Training FLOPs per token: 3 x (2N + 2LTC), N the weights every token multiplies (incl. the
    /// LM head), causal attention counted at half of T x T. The peer script uses the same formula.
    var trainFlopsPerToken: Double {
        let n = Double(ParameterLayout(config: model).matmulParameterCount)
        return 6 * n + 6 * Double(model.nLayers * time * model.dim)
    }
}
