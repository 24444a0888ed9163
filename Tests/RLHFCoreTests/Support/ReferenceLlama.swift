import Foundation
import RLHFCore

/// A plain float64 Llama forward pass, written from the architecture rather than from our
/// kernels: it tells float32 rounding apart from a real disagreement between two of our paths.
struct ReferenceLlama {
    let config: ModelConfig
    private let weights: [String: [Double]]

    init(_ model: LlamaModel) {
        let p = model.parameters
        config = model.config
        weights = Dictionary(uniqueKeysWithValues: model.layout.views.map { view in
            (view.name, (0..<view.count).map { Double(p[view.offset + $0]) })
        })
    }

    /// log-softmax of the next-token logits at every position of one unpadded sequence: [T][V].
    func logSoftmax(_ tokens: [Int32]) -> [[Double]] {
        let c = config.dim, hs = config.headDim, kvDim = config.kvDim
        let groupSize = config.nHeads / config.nKVHeads
        let embedding = weight("model.embed_tokens.weight")
        var x = tokens.map { Array(embedding[(Int($0) * c)..<(Int($0) * c + c)]) }
        for l in 0..<config.nLayers {
            let prefix = "model.layers.\(l)."
            func w(_ name: String) -> [Double] { weight(prefix + name) }
            let normed = x.map { rmsNorm($0, w("input_layernorm.weight")) }
            let q = normed.enumerated().map { t, h in rotated(product(w("self_attn.q_proj.weight"), h, c), position: t) }
            let k = normed.enumerated().map { t, h in rotated(product(w("self_attn.k_proj.weight"), h, kvDim), position: t) }
            let v = normed.map { product(w("self_attn.v_proj.weight"), $0, kvDim) }
            for t in x.indices {
                var attended = [Double](repeating: 0, count: c)
                for h in 0..<config.nHeads {
                    let kh = (h / groupSize) * hs
                    let scores = (0...t).map { j in
                        (0..<hs).reduce(0.0) { $0 + q[t][h * hs + $1] * k[j][kh + $1] } / Double(hs).squareRoot()
                    }
                    let top = scores.max() ?? 0
                    let e = scores.map { exp($0 - top) }, total = e.reduce(0, +)
                    for j in 0...t { for i in 0..<hs { attended[h * hs + i] += e[j] / total * v[j][kh + i] } }
                }
                let attention = product(w("self_attn.o_proj.weight"), attended, c)
                for i in 0..<c { x[t][i] += attention[i] }
                let h2 = rmsNorm(x[t], w("post_attention_layernorm.weight"))
                let gate = product(w("mlp.gate_proj.weight"), h2, config.hiddenDim)
                let up = product(w("mlp.up_proj.weight"), h2, config.hiddenDim)
                let swiglu = gate.indices.map { gate[$0] / (1 + exp(-gate[$0])) * up[$0] }
                let mlp = product(w("mlp.down_proj.weight"), swiglu, c)
                for i in 0..<c { x[t][i] += mlp[i] }
            }
        }
        let head = weight(config.tieEmbeddings ? "model.embed_tokens.weight" : "lm_head.weight")
        return x.map { xt in
            let logits = product(head, rmsNorm(xt, weight("model.norm.weight")), config.vocabSize)
            let top = logits.max() ?? 0
            let logZ = log(logits.reduce(0) { $0 + exp($1 - top) }) + top
            return logits.map { $0 - logZ }
        }
    }

    private func weight(_ name: String) -> [Double] {
        guard let w = weights[name] else { preconditionFailure("no tensor named \(name)") }
        return w
    }

    /// W[rows, x.count] x
    private func product(_ w: [Double], _ x: [Double], _ rows: Int) -> [Double] {
        (0..<rows).map { r in x.indices.reduce(0.0) { $0 + w[r * x.count + $1] * x[$1] } }
    }

    private func rmsNorm(_ x: [Double], _ gain: [Double]) -> [Double] {
        let meanSquare = x.reduce(0) { $0 + $1 * $1 } / Double(x.count)
        let scale = 1 / (meanSquare + Double(config.normEps)).squareRoot()
        return x.indices.map { x[$0] * scale * gain[$0] }
    }

    /// Hugging Face's rotate_half RoPE, with the float32 angles transformers computes.
    private func rotated(_ x: [Double], position: Int) -> [Double] {
        let hs = config.headDim, half = hs / 2
        var out = x
        for head in stride(from: 0, to: x.count, by: hs) {
            for i in 0..<half {
                let invFreq = 1 / powf(config.ropeTheta, Float(2 * i) / Float(hs))
                let angle = Double(Float(position) * invFreq)
                let a = x[head + i], b = x[head + i + half]
                out[head + i] = a * cos(angle) - b * sin(angle)
                out[head + i + half] = b * cos(angle) + a * sin(angle)
            }
        }
        return out
    }
}
