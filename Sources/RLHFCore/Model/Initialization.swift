extension LlamaModel {
    /// A freshly initialised model: matrices ~ N(0, std^2), norm gains 1, from `seed`.
    public static func initialized(config: ModelConfig, head: ModelHead = .languageModel, seed: UInt64,
                                   std: Float = 0.02) throws(ModelConfigError) -> LlamaModel {
        let model = try LlamaModel(config: config, head: head)
        var rng = RandomGenerator(seed: seed)
        let p = model.parameters.pointer
        for view in model.layout.views {
            for i in view.offset..<(view.offset + view.count) {
                p[i] = view.shape.count == 1 ? 1 : std * rng.nextGaussian()
            }
        }
        return model
    }
}
