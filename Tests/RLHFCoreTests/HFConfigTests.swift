import Foundation
import RLHFCore
import Testing

private let gqaConfig = ModelConfig(dim: 16, nLayers: 2, nHeads: 4, nKVHeads: 2, hiddenDim: 24, vocabSize: 29,
                                    maxSeqLen: 32, ropeTheta: 500_000, normEps: 1e-6, tieEmbeddings: false)

/// The smallest `config.json` this project accepts, with the keys of the JSON object `extra`
/// merged over it.
private func minimalConfigJSON(_ extra: String = "{}") throws -> Data {
    let overrides = try #require(try JSONSerialization.jsonObject(with: Data(extra.utf8)) as? [String: Any])
    let base: [String: Any] = [
        "model_type": "llama", "hidden_size": 16, "intermediate_size": 24, "num_attention_heads": 4,
        "num_hidden_layers": 2, "vocab_size": 29, "max_position_embeddings": 32,
    ]
    return try JSONSerialization.data(withJSONObject: base.merging(overrides) { _, new in new })
}

/// The FormatError that decoding `data` throws, or nil when it decodes.
private func decodeError(_ data: Data) -> FormatError? {
    do {
        _ = try HFConfig.decode(data, path: "/models/x/config.json")
        return nil
    } catch {
        return error
    }
}

@Suite struct HFConfigTests {
    @Test(arguments: [
        (gqaConfig, ModelHead.languageModel),
        (ModelConfig(dim: 64, nLayers: 5, nHeads: 8, nKVHeads: 4, hiddenDim: 172, vocabSize: 512, maxSeqLen: 512), .languageModel),
        (gqaConfig, .scalar),
    ])
    func roundTrip(config: ModelConfig, head: ModelHead) throws {
        let data = try HFConfig.encode(config, head: head)
        let decoded = try HFConfig.decode(data, path: "config.json")
        #expect(decoded.config == config)
        #expect(decoded.head == head)
    }

    @Test func encodedKeysAreWhatTransformersExpects() throws {
        let data = try HFConfig.encode(gqaConfig, head: .languageModel)
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(json["architectures"] as? [String] == ["LlamaForCausalLM"])
        #expect(json["model_type"] as? String == "llama")
        #expect(json["hidden_size"] as? Int == 16)
        #expect(json["intermediate_size"] as? Int == 24)
        #expect(json["num_attention_heads"] as? Int == 4)
        #expect(json["num_key_value_heads"] as? Int == 2)
        #expect(json["num_hidden_layers"] as? Int == 2)
        #expect(json["head_dim"] as? Int == 4)
        #expect(json["vocab_size"] as? Int == 29)
        #expect(json["max_position_embeddings"] as? Int == 32)
        #expect(json["rope_theta"] as? Double == 500_000)
        #expect(json["rms_norm_eps"] as? Double == 1e-6)
        #expect(json["rope_scaling"] is NSNull)
        #expect(json["tie_word_embeddings"] as? Bool == false)
        #expect(json["hidden_act"] as? String == "silu")
        #expect(json["torch_dtype"] as? String == "float32")
        #expect(json["bos_token_id"] as? Int == 1)
        #expect(json["eos_token_id"] as? Int == 2)
        #expect(json["attention_bias"] as? Bool == false)
        #expect(json["mlp_bias"] as? Bool == false)

        let text = String(decoding: data, as: UTF8.self)
        // Pretty-printed with sorted keys; epsilon in its short decimal form, not Float's binary value.
        #expect(text.contains("\n"))
        let architectures = try #require(text.range(of: "\"architectures\""))
        let vocab = try #require(text.range(of: "\"vocab_size\""))
        #expect(architectures.lowerBound < vocab.lowerBound)
        #expect(text.contains("1e-06"))
    }

    @Test func scalarHeadIsSequenceClassificationWithOneLabel() throws {
        let data = try HFConfig.encode(gqaConfig, head: .scalar)
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(json["architectures"] as? [String] == ["LlamaForSequenceClassification"])
        #expect((json["id2label"] as? [String: String])?.count == 1)
        let withNumLabels = try minimalConfigJSON(#"{"architectures": ["LlamaForSequenceClassification"], "num_labels": 1}"#)
        #expect(try HFConfig.decode(withNumLabels, path: "config.json").head == .scalar)
    }

    @Test func absentOptionalKeysTakeLlamaConfigDefaults() throws {
        let (config, head) = try HFConfig.decode(try minimalConfigJSON(), path: "config.json")
        #expect(head == .languageModel)
        #expect(config.nKVHeads == 4)
        #expect(config.ropeTheta == 10_000)
        #expect(config.normEps == 1e-6)
        #expect(config.tieEmbeddings == false)
    }

    /// transformers 5 writes `rope_parameters` and `dtype` instead of `rope_theta` and `torch_dtype`.
    @Test func readsTransformers5RopeParameters() throws {
        let data = try minimalConfigJSON("""
            {"rope_parameters": {"rope_theta": 250000.0, "rope_type": "default"}, "dtype": "bfloat16",
             "num_key_value_heads": 2, "head_dim": 4, "tie_word_embeddings": true, "rms_norm_eps": 1e-05}
            """)
        let (config, _) = try HFConfig.decode(data, path: "config.json")
        #expect(config.ropeTheta == 250_000)
        #expect(config.nKVHeads == 2)
        #expect(config.tieEmbeddings)
        #expect(config.normEps == 1e-5)
    }

    @Test(arguments: [
        (#"{"hidden_act": "gelu"}"#, "hidden_act"),
        (#"{"head_dim": 8}"#, "head_dim"),
        (#"{"rope_scaling": {"type": "linear", "factor": 2.0}}"#, "rope_scaling"),
        (#"{"rope_parameters": {"rope_type": "llama3", "rope_theta": 10000.0}}"#, "llama3"),
        (#"{"attention_bias": true}"#, "attention_bias"),
        (#"{"mlp_bias": true}"#, "mlp_bias"),
        (#"{"model_type": "mistral"}"#, "mistral"),
        (#"{"architectures": ["GPT2LMHeadModel"]}"#, "GPT2LMHeadModel"),
        (#"{"architectures": ["LlamaForSequenceClassification"], "num_labels": 2}"#, "2 labels"),
        (#"{"architectures": ["LlamaForSequenceClassification"]}"#, "2 labels"),
        (#"{"hidden_size": 18}"#, "n_heads"),
        (#"{"num_key_value_heads": 3}"#, "n_kv_heads"),
        (#"{"vocab_size": 0}"#, "vocab_size"),
    ])
    func unsupportedConfigsAreRejectedWithTheReason(extra: String, reason: String) throws {
        let error = decodeError(try minimalConfigJSON(extra))
        guard case .unsupportedConfig(let path, let detail)? = error else {
            Issue.record("expected unsupportedConfig for \(extra), got \(String(describing: error))")
            return
        }
        #expect(path == "/models/x/config.json")
        #expect(detail.contains(reason), "\(detail)")
    }

    @Test(arguments: [
        (#"{"hidden_size": "16"}"#, "hidden_size"),
        (#"{"rms_norm_eps": "small"}"#, "rms_norm_eps"),
        (#"{"tie_word_embeddings": "yes"}"#, "tie_word_embeddings"),
        (#"{"num_hidden_layers": 2.5}"#, "num_hidden_layers"),
        (#"{"architectures": "LlamaForCausalLM"}"#, "architectures"),
    ])
    func wrongTypesAreCorruptNamingTheKey(extra: String, key: String) throws {
        guard case .corrupt(_, let detail)? = decodeError(try minimalConfigJSON(extra)) else {
            Issue.record("expected corrupt for \(extra)")
            return
        }
        #expect(detail.contains(key), "\(detail)")
    }

    @Test func missingRequiredKeyIsNamed() throws {
        var json = try #require(try JSONSerialization.jsonObject(with: try minimalConfigJSON()) as? [String: Any])
        json["intermediate_size"] = nil
        guard case .corrupt(_, let detail)? = decodeError(try JSONSerialization.data(withJSONObject: json)) else {
            Issue.record("expected corrupt")
            return
        }
        #expect(detail.contains("intermediate_size"))
    }

    @Test func nonJSONIsCorrupt() {
        guard case .corrupt? = decodeError(Data("{ hidden_size: 16 ".utf8)) else {
            Issue.record("expected corrupt")
            return
        }
        guard case .corrupt? = decodeError(Data("[16]".utf8)) else {
            Issue.record("expected corrupt")
            return
        }
    }

    @Test func encodingAnInvalidConfigFails() {
        var config = gqaConfig
        config.nKVHeads = 3
        #expect(throws: FormatError.self) { try HFConfig.encode(config, head: .languageModel) }
    }
}

/// Loading and saving whole Hugging Face checkpoints (`config.json` + `model.safetensors`).
@Suite final class HFModelCheckpointTests {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("hf-checkpoint-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }

    private var weightsURL: URL { directory.appendingPathComponent("model.safetensors") }

    /// Parameters whose every value is distinct, so a misplaced tensor cannot go unnoticed.
    private func distinctParameters(_ layout: ParameterLayout) -> FloatBuffer {
        FloatBuffer((0..<layout.count).map { Float($0) * 0.001 - 1 })
    }

    /// Saves a model, then lets `edit` rewrite its tensors before the loader sees them.
    private func saveEdited(_ config: ModelConfig, head: ModelHead = .languageModel,
                            _ edit: (inout [SafetensorsTensor]) throws -> Void) throws {
        let layout = ParameterLayout(config: config, head: head)
        try saveHFModel(config: config, head: head, parameters: distinctParameters(layout), to: directory)
        var file = try SafetensorsFile(contentsOf: weightsURL)
        try edit(&file.tensors)
        try file.write(to: weightsURL)
    }

    private func loadError() -> FormatError? {
        do {
            _ = try loadHFModel(directory: directory)
            return nil
        } catch {
            return error
        }
    }

    @Test(arguments: [
        (gqaConfig, ModelHead.languageModel),
        (ModelConfig(dim: 8, nLayers: 1, nHeads: 2, nKVHeads: 2, hiddenDim: 12, vocabSize: 11, maxSeqLen: 16), .languageModel),
        (gqaConfig, .scalar),
    ])
    func saveThenLoadIsExact(config: ModelConfig, head: ModelHead) throws {
        let layout = ParameterLayout(config: config, head: head)
        let parameters = distinctParameters(layout)
        try saveHFModel(config: config, head: head, parameters: parameters, to: directory)

        let loaded = try loadHFModel(directory: directory)
        #expect(loaded.config == config)
        #expect(loaded.head == head)
        #expect(loaded.parameters.array == parameters.array)

        // Tensors on disk: every view, in layout order, under its Hugging Face name.
        let file = try SafetensorsFile(contentsOf: weightsURL)
        #expect(file.tensors.map(\.name) == layout.views.map(\.name))
        #expect(file.tensors.map(\.shape) == layout.views.map(\.shape))
        #expect(file.metadata["format"] == "pt")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        #expect(leftovers == ["config.json", "model.safetensors"])
    }

    @Test func missingTensorIsNamed() throws {
        try saveEdited(gqaConfig) { $0.removeAll { $0.name == "model.layers.1.mlp.up_proj.weight" } }
        #expect(loadError() == .missingTensor(path: weightsURL.path, tensor: "model.layers.1.mlp.up_proj.weight"))
    }

    @Test func shapeDisagreeingWithConfigIsNamedWithBothShapes() throws {
        try saveEdited(gqaConfig) { tensors in
            let index = try #require(tensors.firstIndex { $0.name == "model.layers.0.self_attn.k_proj.weight" })
            tensors[index].shape = [16, 8]  // same element count as [8, 16]
        }
        let error = loadError()
        #expect(error == .shapeMismatch(path: weightsURL.path, tensor: "model.layers.0.self_attn.k_proj.weight", expected: [8, 16], got: [16, 8]))
        #expect(error?.description.contains("expected [8, 16]") == true)
    }

    @Test func unexpectedExtraTensorIsAnError() throws {
        try saveEdited(gqaConfig) { $0.append(SafetensorsTensor(name: "model.layers.0.self_attn.q_proj.bias", shape: [16], data: Array(repeating: 0, count: 16))) }
        guard case .unexpectedTensor(_, let tensor, _)? = loadError() else {
            Issue.record("expected unexpectedTensor")
            return
        }
        #expect(tensor == "model.layers.0.self_attn.q_proj.bias")
    }

    @Test func tiedModelAcceptsAnLMHeadEqualToTheEmbeddingOnly() throws {
        var tied = gqaConfig
        tied.tieEmbeddings = true
        try saveEdited(tied) { tensors in
            tensors.append(SafetensorsTensor(name: "lm_head.weight", shape: tensors[0].shape, data: tensors[0].data))
        }
        let loaded = try loadHFModel(directory: directory)
        #expect(loaded.config.tieEmbeddings)

        try saveEdited(tied) { tensors in
            tensors.append(SafetensorsTensor(name: "lm_head.weight", shape: tensors[0].shape, data: tensors[0].data.map { $0 + 1 }))
        }
        guard case .unexpectedTensor(_, "lm_head.weight", let detail)? = loadError() else {
            Issue.record("expected unexpectedTensor for a differing lm_head")
            return
        }
        #expect(detail.contains("tie_word_embeddings"))
    }

    @Test func scalarHeadRejectsAnLMHead() throws {
        try saveEdited(gqaConfig, head: .scalar) { tensors in
            tensors.append(SafetensorsTensor(name: "lm_head.weight", shape: [29, 16], data: Array(repeating: 0, count: 29 * 16)))
        }
        guard case .unexpectedTensor(_, "lm_head.weight", _)? = loadError() else {
            Issue.record("expected unexpectedTensor")
            return
        }
    }

    @Test func shardedCheckpointIsRejectedClearly() throws {
        try HFConfig.write(gqaConfig, head: .languageModel, to: directory.appendingPathComponent("config.json"))
        try Data("{}".utf8).write(to: directory.appendingPathComponent("model.safetensors.index.json"))
        guard case .unsupportedConfig(_, let detail)? = loadError() else {
            Issue.record("expected unsupportedConfig")
            return
        }
        #expect(detail.contains("sharded"))
    }

    @Test func missingConfigIsAnIOErrorNamingIt() {
        guard case .io(let path, _)? = loadError() else {
            Issue.record("expected io")
            return
        }
        #expect(path.hasSuffix("config.json"))
    }

    @Test func savingAWrongSizedBufferWritesNothing() {
        let target = directory.appendingPathComponent("out")
        do {
            try saveHFModel(config: gqaConfig, head: .languageModel, parameters: FloatBuffer(count: 5), to: target)
            Issue.record("expected an error")
        } catch {
            guard case .unwritable(_, let detail) = error else {
                Issue.record("expected unwritable, got \(error)")
                return
            }
            #expect(detail.contains("5 floats"))
        }
        #expect(!FileManager.default.fileExists(atPath: target.path))
    }
}
