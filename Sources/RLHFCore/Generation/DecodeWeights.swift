/// The model's matrices packed for `PanelMatmul`, built once per `Generator.generate` call
/// (the weights change between calls during PPO) and read by every decoding step.
///
/// Holds a second copy of the matrices (as many floats as `matmulParameterCount`): the price
/// of reading them as one sequential stream per step.
struct DecodeWeights {
    struct Layer {
        let qkv, output, gateUp, down: PanelMatrix
    }

    let layers: [Layer]
    let head: PanelMatrix

    init(model: LlamaModel) {
        let config = model.config, p = UnsafePointer(model.parameters.pointer)
        let c = config.dim, f = config.hiddenDim
        layers = model.layout.layers.map { w in
            // wq|wk|wv and gate|up are adjacent in the buffer, so each pair packs as one matrix.
            Layer(qkv: PanelMatrix(weight: p + w.wq, outDim: model.attention.qkvWidth, inDim: c),
                  output: PanelMatrix(weight: p + w.wo, outDim: c, inDim: c),
                  gateUp: PanelMatrix(weight: p + w.gate, outDim: 2 * f, inDim: c),
                  down: PanelMatrix(weight: p + w.down, outDim: c, inDim: f))
        }
        head = PanelMatrix(weight: p + model.headOffset, outDim: model.headWidth, inDim: c)
    }
}
