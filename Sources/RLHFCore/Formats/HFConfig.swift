import Foundation

/// Conversion between `ModelConfig` (with its `ModelHead`) and a Hugging Face Llama `config.json`.
///
/// A language model is `LlamaForCausalLM`; a scalar head is `LlamaForSequenceClassification`
/// with one label. Only what this project's model computes is accepted: SiLU activations, no
/// attention or MLP biases, plain RoPE (no `rope_scaling`), and `head_dim = hidden_size / num_attention_heads`.
public enum HFConfig {
    /// The `config.json` for `config` and `head`: pretty-printed JSON with sorted keys that
    /// `transformers` loads.
    public static func encode(_ config: ModelConfig, head: ModelHead) throws(FormatError) -> Data {
        let path = "config.json"
        do {
            try config.validate()
        } catch {
            throw .unsupportedConfig(path: path, detail: error.description)
        }
        var json: [String: Any] = [
            "model_type": "llama",
            "hidden_size": config.dim,
            "intermediate_size": config.hiddenDim,
            "num_attention_heads": config.nHeads,
            "num_hidden_layers": config.nLayers,
            "num_key_value_heads": config.nKVHeads,
            "head_dim": config.headDim,
            "vocab_size": config.vocabSize,
            "max_position_embeddings": config.maxSeqLen,
            "rms_norm_eps": decimal(config.normEps),
            "rope_theta": decimal(config.ropeTheta),
            "rope_scaling": NSNull(),
            "tie_word_embeddings": config.tieEmbeddings,
            "hidden_act": "silu",
            "torch_dtype": "float32",
            "bos_token_id": 1,
            "eos_token_id": 2,
            "attention_bias": false,
            "attention_dropout": 0.0,
            "mlp_bias": false,
            "initializer_range": 0.02,
            "pretraining_tp": 1,
            "use_cache": true,
        ]
        switch head {
        case .languageModel:
            json["architectures"] = ["LlamaForCausalLM"]
        case .scalar:
            // transformers derives num_labels from id2label, and saves it in this form.
            json["architectures"] = ["LlamaForSequenceClassification"]
            json["id2label"] = ["0": "LABEL_0"]
            json["label2id"] = ["LABEL_0": 0]
            // transformers pools a batch at each row's last non-pad token, and refuses batches
            // without a pad id; our batches pad with 0 (<unk> in llama2.c vocabularies).
            json["pad_token_id"] = 0
        }
        do {
            return try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        } catch {
            throw .unsupportedConfig(path: path, detail: "cannot encode as JSON: \(error.localizedDescription)")
        }
    }

    /// Parses a `config.json`; `path` names the file in errors.
    public static func decode(_ data: Data, path: String) throws(FormatError) -> (config: ModelConfig, head: ModelHead) {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw .corrupt(path: path, detail: "not valid JSON: \(error.localizedDescription)")
        }
        guard let json = object as? [String: Any] else {
            throw .corrupt(path: path, detail: "not a JSON object")
        }
        let keys = Keys(json: json, path: path)

        let modelType = try keys.string("model_type")
        guard modelType == "llama" else {
            throw .unsupportedConfig(path: path, detail: "model_type is '\(modelType ?? "absent")', expected 'llama'")
        }
        let head = try Self.head(keys)
        let activation = try keys.string("hidden_act") ?? "silu"
        guard activation == "silu" else {
            throw .unsupportedConfig(path: path, detail: "hidden_act is '\(activation)', only 'silu' is supported")
        }
        for bias in ["attention_bias", "mlp_bias"] where try keys.bool(bias) == true {
            throw .unsupportedConfig(path: path, detail: "\(bias) is true, only bias-free layers are supported")
        }

        let nHeads = try keys.requiredInt("num_attention_heads")
        let dim = try keys.requiredInt("hidden_size")
        let config = ModelConfig(
            dim: dim,
            nLayers: try keys.requiredInt("num_hidden_layers"),
            nHeads: nHeads,
            nKVHeads: try keys.int("num_key_value_heads") ?? nHeads,
            hiddenDim: try keys.requiredInt("intermediate_size"),
            vocabSize: try keys.requiredInt("vocab_size"),
            maxSeqLen: try keys.requiredInt("max_position_embeddings"),
            ropeTheta: try ropeTheta(keys),
            // Defaults are LlamaConfig's, so a sparse config means what it means to transformers.
            normEps: Float(try keys.double("rms_norm_eps") ?? 1e-6),
            tieEmbeddings: try keys.bool("tie_word_embeddings") ?? false)
        do {
            try config.validate()
        } catch {
            throw .unsupportedConfig(path: path, detail: error.description)
        }
        if let headDim = try keys.int("head_dim"), headDim != config.headDim {
            throw .unsupportedConfig(path: path, detail: "head_dim is \(headDim), but hidden_size / num_attention_heads is \(config.headDim); only the latter is supported")
        }
        return (config, head)
    }

    /// Reads and parses the `config.json` at `url`.
    public static func read(contentsOf url: URL) throws(FormatError) -> (config: ModelConfig, head: ModelHead) {
        try decode(readFormatFile(url), path: url.path)
    }

    /// Writes `config.json` for `config` and `head` to `url` through a temporary file, so a failed
    /// write never leaves a partial file.
    public static func write(_ config: ModelConfig, head: ModelHead, to url: URL) throws(FormatError) {
        let data = try encode(config, head: head)
        do {
            try data.write(to: url, options: .atomic)
        } catch {
            throw .io(path: url.path, detail: "cannot write file: \(error.localizedDescription)")
        }
    }

    /// The Float as the Double with the same shortest decimal form, so 1e-5 is written as
    /// `1e-05` rather than `9.999999747378752e-06`.
    private static func decimal(_ value: Float) -> Double {
        Double(value.description) ?? Double(value)
    }

    private static func head(_ keys: Keys) throws(FormatError) -> ModelHead {
        guard let architectures = try keys.strings("architectures"), let architecture = architectures.first else {
            // transformers itself falls back to the base class; for a Llama checkpoint that is the LM.
            return .languageModel
        }
        switch architecture {
        case "LlamaForCausalLM":
            return .languageModel
        case "LlamaForSequenceClassification":
            // `??` rethrows untyped errors, so the two lookups are separate statements.
            let labelNames = try keys.dictionaryCount("id2label")
            let labelCount = try keys.int("num_labels")
            let labels = labelNames ?? labelCount ?? 2
            guard labels == 1 else {
                throw .unsupportedConfig(path: keys.path, detail: "LlamaForSequenceClassification has \(labels) labels, only 1 (a scalar score) is supported")
            }
            return .scalar
        default:
            throw .unsupportedConfig(path: keys.path, detail: "architecture '\(architecture)' is not supported; expected LlamaForCausalLM or LlamaForSequenceClassification")
        }
    }

    /// `rope_theta`, from the legacy top-level keys or transformers 5's `rope_parameters`.
    private static func ropeTheta(_ keys: Keys) throws(FormatError) -> Float {
        if keys.json["rope_scaling"].map({ $0 is NSNull }) == false {
            throw .unsupportedConfig(path: keys.path, detail: "rope_scaling must be null or absent; scaled RoPE is not supported")
        }
        if let parameters = keys.json["rope_parameters"], !(parameters is NSNull) {
            guard let dictionary = parameters as? [String: Any] else {
                throw .corrupt(path: keys.path, detail: "rope_parameters must be an object")
            }
            let nested = Keys(json: dictionary, path: keys.path, prefix: "rope_parameters.")
            let type = try nested.string("rope_type") ?? "default"
            guard type == "default" else {
                throw .unsupportedConfig(path: keys.path, detail: "rope_parameters.rope_type is '\(type)', only 'default' is supported")
            }
            if let theta = try nested.double("rope_theta") {
                return Float(theta)
            }
        }
        return Float(try keys.double("rope_theta") ?? 10_000)
    }
}

/// Typed access to a JSON object's keys, with errors that name the file and key.
private struct Keys {
    let json: [String: Any]
    let path: String
    var prefix = ""

    /// The value at `key`, treating JSON null as absent.
    private func value(_ key: String) -> Any? {
        guard let value = json[key], !(value is NSNull) else { return nil }
        return value
    }

    private func wrongType(_ key: String, _ expected: String) -> FormatError {
        .corrupt(path: path, detail: "\(prefix)\(key) must be \(expected), got \(value(key).map { "\($0)" } ?? "null")")
    }

    func int(_ key: String) throws(FormatError) -> Int? {
        guard let value = value(key) else { return nil }
        guard let int = value as? Int else { throw wrongType(key, "an integer") }
        return int
    }

    func requiredInt(_ key: String) throws(FormatError) -> Int {
        guard let int = try int(key) else {
            throw .corrupt(path: path, detail: "required key \(prefix)\(key) is missing")
        }
        return int
    }

    func double(_ key: String) throws(FormatError) -> Double? {
        guard let value = value(key) else { return nil }
        guard let double = value as? Double, double.isFinite else { throw wrongType(key, "a finite number") }
        return double
    }

    func bool(_ key: String) throws(FormatError) -> Bool? {
        guard let value = value(key) else { return nil }
        guard let bool = value as? Bool else { throw wrongType(key, "true or false") }
        return bool
    }

    func string(_ key: String) throws(FormatError) -> String? {
        guard let value = value(key) else { return nil }
        guard let string = value as? String else { throw wrongType(key, "a string") }
        return string
    }

    func strings(_ key: String) throws(FormatError) -> [String]? {
        guard let value = value(key) else { return nil }
        guard let strings = value as? [String] else { throw wrongType(key, "a list of strings") }
        return strings
    }

    func dictionaryCount(_ key: String) throws(FormatError) -> Int? {
        guard let value = value(key) else { return nil }
        guard let dictionary = value as? [String: Any] else { throw wrongType(key, "an object") }
        return dictionary.count
    }
}
