/// Reads a parsed `tokenizer.json` into a `BPETokenizer`, naming the file and the field
/// (`model.merges[12]`, `pre_tokenizer.pretokenizers[1].type`) in every error.
struct TokenizerJSONReader {
    let path: String
    /// Ids up to this are accepted: far above any real vocabulary, and low enough that a
    /// corrupt id cannot make the id-to-token table exhaust memory.
    static let maxID = 1 << 24

    func tokenizer(from document: JSONValue) throws(TokenizerError) -> BPETokenizer {
        guard case .object = document else {
            throw .invalidField(path: path, field: "(root)", detail: "expected an object, found \(document.typeName)")
        }
        guard let modelValue = document["model"] else { throw .missingField(path: path, field: "model") }
        let model = try self.model(from: modelValue)
        let normalizer = try optional(document["normalizer"]) { (value) throws(TokenizerError) in
            try self.normalizer(from: value, field: "normalizer")
        }
        let preTokenizer = try optional(document["pre_tokenizer"]) { (value) throws(TokenizerError) in
            try self.preTokenizer(from: value, field: "pre_tokenizer")
        }
        let decoder = try optional(document["decoder"]) { (value) throws(TokenizerError) in
            try self.decoder(from: value, field: "decoder")
        }
        var addedTokens: [AddedToken] = []
        if let list = document["added_tokens"], !list.isNull {
            for (index, value) in try array(list, field: "added_tokens").enumerated() {
                addedTokens.append(try addedToken(from: value, field: "added_tokens[\(index)]"))
            }
        }
        return BPETokenizer(
            model: model, addedTokens: addedTokens, normalizer: normalizer, preTokenizer: preTokenizer,
            decoder: decoder, postProcessor: document["post_processor"] ?? .null
        )
    }

    // MARK: Model

    private func model(from value: JSONValue) throws(TokenizerError) -> BPEModel {
        guard case .object = value else {
            throw .invalidField(path: path, field: "model", detail: "expected an object, found \(value.typeName)")
        }
        // Files from early library versions omit the type; their vocab and merges make it BPE.
        if let type = value["type"] {
            let name = try string(type, field: "model.type")
            guard name == "BPE" else {
                throw .unsupported(path: path, field: "model.type", detail: "'\(name)'; only BPE models are supported")
            }
        }
        if let dropout = value["dropout"], !dropout.isNull {
            let probability = try number(dropout, field: "model.dropout")
            guard probability == 0 else {
                throw .unsupported(path: path, field: "model.dropout", detail: "\(probability); BPE dropout randomizes encoding, set it to null")
            }
        }
        for affix in ["continuing_subword_prefix", "end_of_word_suffix"] {
            if let affixValue = value[affix], !affixValue.isNull, try string(affixValue, field: "model.\(affix)") != "" {
                throw .unsupported(path: path, field: "model.\(affix)", detail: "subword affixes belong to WordPiece-style vocabularies; expected null")
            }
        }
        guard let vocabValue = value["vocab"] else { throw .missingField(path: path, field: "model.vocab") }
        guard case .object(let entries) = vocabValue else {
            throw .invalidField(path: path, field: "model.vocab", detail: "expected an object of token to id, found \(vocabValue.typeName)")
        }
        var vocabulary: [(token: String, id: Int32)] = []
        var owners: [Int32: String] = [:]
        var seen: [[UInt8]: Int] = [:]
        for entry in entries {
            let id = try tokenID(entry.value, field: "model.vocab['\(entry.key)']")
            if let owner = owners[id], !owner.utf8.elementsEqual(entry.key.utf8) {
                throw .invalidField(path: path, field: "model.vocab['\(entry.key)']", detail: "id \(id) is also the id of '\(owner)'")
            }
            owners[id] = entry.key
            // A repeated key keeps its last id, as the library's map does.
            if let index = seen[Array(entry.key.utf8)] {
                vocabulary[index].id = id
            } else {
                seen[Array(entry.key.utf8)] = vocabulary.count
                vocabulary.append((entry.key, id))
            }
        }
        guard let mergesValue = value["merges"] else { throw .missingField(path: path, field: "model.merges") }
        var merges: [BPEModel.Merge] = []
        for (index, merge) in try array(mergesValue, field: "model.merges").enumerated() {
            merges.append(try self.merge(from: merge, field: "model.merges[\(index)]"))
        }
        let unknownToken = try optional(value["unk_token"]) { (token) throws(TokenizerError) in
            try string(token, field: "model.unk_token")
        }
        let fusesUnknown = try bool(value["fuse_unk"], field: "model.fuse_unk", default: false)
        let usesByteFallback = try bool(value["byte_fallback"], field: "model.byte_fallback", default: false)
        let ignoresMerges = try bool(value["ignore_merges"], field: "model.ignore_merges", default: false)
        do throws(BPEModel.InvalidModel) {
            return try BPEModel(
                vocabulary: vocabulary, merges: merges, unknownToken: unknownToken,
                fusesUnknown: fusesUnknown, usesByteFallback: usesByteFallback, ignoresMerges: ignoresMerges
            )
        } catch {
            throw .invalidField(path: path, field: "model.\(error.field)", detail: error.detail)
        }
    }

    private func merge(from value: JSONValue, field: String) throws(TokenizerError) -> BPEModel.Merge {
        switch value {
        case .string(let text):
            // The library splits on every space and wants exactly two parts.
            // Split bytes, not Characters: a space followed by a combining mark is one Character.
            let parts = Array(text.utf8).split(separator: 0x20, omittingEmptySubsequences: false)
            guard parts.count == 2 else {
                throw .invalidField(path: path, field: field, detail: "'\(text)' is not two tokens separated by one space")
            }
            return BPEModel.Merge(left: String(decoding: parts[0], as: UTF8.self), right: String(decoding: parts[1], as: UTF8.self))
        case .array(let pair):
            guard pair.count == 2 else {
                throw .invalidField(path: path, field: field, detail: "expected a pair of tokens, found \(pair.count) elements")
            }
            return BPEModel.Merge(left: try string(pair[0], field: field + "[0]"), right: try string(pair[1], field: field + "[1]"))
        default:
            throw .invalidField(path: path, field: field, detail: "expected \"left right\" or [\"left\", \"right\"], found \(value.typeName)")
        }
    }

    private func addedToken(from value: JSONValue, field: String) throws(TokenizerError) -> AddedToken {
        guard case .object = value else {
            throw .invalidField(path: path, field: field, detail: "expected an object, found \(value.typeName)")
        }
        guard let id = value["id"] else { throw .missingField(path: path, field: field + ".id") }
        guard let content = value["content"] else { throw .missingField(path: path, field: field + ".content") }
        let isSpecial = try bool(value["special"], field: field + ".special", default: false)
        return AddedToken(
            id: try tokenID(id, field: field + ".id"),
            content: try string(content, field: field + ".content"),
            isSpecial: isSpecial,
            isSingleWord: try bool(value["single_word"], field: field + ".single_word", default: false),
            stripsLeft: try bool(value["lstrip"], field: field + ".lstrip", default: false),
            stripsRight: try bool(value["rstrip"], field: field + ".rstrip", default: false),
            isNormalized: try bool(value["normalized"], field: field + ".normalized", default: !isSpecial)
        )
    }

    // MARK: Pipeline steps

    private func normalizer(from value: JSONValue, field: String) throws(TokenizerError) -> Normalizer {
        switch try type(of: value, field: field) {
        case "Prepend":
            return .prepend(try requiredString(value, "prepend", field: field))
        case "Replace":
            let (pattern, content) = try replacement(value, field: field)
            return .replace(pattern: pattern, content: content)
        case "Sequence":
            guard let steps = value["normalizers"] else { throw .missingField(path: path, field: field + ".normalizers") }
            var result: [Normalizer] = []
            for (index, step) in try array(steps, field: field + ".normalizers").enumerated() {
                result.append(try normalizer(from: step, field: "\(field).normalizers[\(index)]"))
            }
            return .sequence(result)
        case let other:
            throw .unsupported(path: path, field: field + ".type", detail: "'\(other)'; supported normalizers: Prepend, Replace, Sequence")
        }
    }

    /// The options a ByteLevel pre-tokenizer and a ByteLevel decoder share.
    private func byteLevelOptions(_ value: JSONValue, field: String) throws(TokenizerError)
        -> (addPrefixSpace: Bool, trimOffsets: Bool, useRegex: Bool) {
        (try bool(value["add_prefix_space"], field: field + ".add_prefix_space", default: true),
         try bool(value["trim_offsets"], field: field + ".trim_offsets", default: true),
         try bool(value["use_regex"], field: field + ".use_regex", default: true))
    }

    private func preTokenizer(from value: JSONValue, field: String) throws(TokenizerError) -> PreTokenizer {
        switch try type(of: value, field: field) {
        case "ByteLevel":
            let options = try byteLevelOptions(value, field: field)
            return .byteLevel(addPrefixSpace: options.addPrefixSpace, trimOffsets: options.trimOffsets, useRegex: options.useRegex)
        case "Metaspace":
            let (replacement, scheme, split) = try metaspace(value, field: field)
            return .metaspace(replacement: replacement, prependScheme: scheme, split: split)
        case "Sequence":
            guard let steps = value["pretokenizers"] else { throw .missingField(path: path, field: field + ".pretokenizers") }
            var result: [PreTokenizer] = []
            for (index, step) in try array(steps, field: field + ".pretokenizers").enumerated() {
                let stepField = "\(field).pretokenizers[\(index)]"
                if result.contains(where: \.isByteLevel) {
                    throw .unsupported(path: path, field: stepField, detail: "a step after ByteLevel would see byte-level characters; ByteLevel must come last")
                }
                result.append(try preTokenizer(from: step, field: stepField))
            }
            return .sequence(result)
        case let other:
            throw .unsupported(path: path, field: field + ".type", detail: "'\(other)'; supported pre-tokenizers: ByteLevel, Metaspace, Sequence")
        }
    }

    private func decoder(from value: JSONValue, field: String) throws(TokenizerError) -> TokenDecoder {
        switch try type(of: value, field: field) {
        case "ByteLevel":
            let options = try byteLevelOptions(value, field: field)
            return .byteLevel(addPrefixSpace: options.addPrefixSpace, trimOffsets: options.trimOffsets, useRegex: options.useRegex)
        case "Replace":
            let (pattern, content) = try replacement(value, field: field)
            return .replace(pattern: pattern, content: content)
        case "ByteFallback":
            return .byteFallback
        case "Fuse":
            return .fuse
        case "Strip":
            return .strip(
                content: try character(value, "content", field: field),
                start: try count(value["start"], field: field + ".start"),
                stop: try count(value["stop"], field: field + ".stop")
            )
        case "Metaspace":
            let (replacement, scheme, split) = try metaspace(value, field: field)
            return .metaspace(replacement: replacement, prependScheme: scheme, split: split)
        case "Sequence":
            guard let steps = value["decoders"] else { throw .missingField(path: path, field: field + ".decoders") }
            var result: [TokenDecoder] = []
            for (index, step) in try array(steps, field: field + ".decoders").enumerated() {
                result.append(try decoder(from: step, field: "\(field).decoders[\(index)]"))
            }
            return .sequence(result)
        case let other:
            throw .unsupported(path: path, field: field + ".type", detail: "'\(other)'; supported decoders: ByteLevel, Replace, ByteFallback, Fuse, Strip, Metaspace, Sequence")
        }
    }

    /// The pattern and content of a Replace step; only literal (`{"String": ...}`) patterns.
    private func replacement(_ value: JSONValue, field: String) throws(TokenizerError) -> (String, String) {
        guard let pattern = value["pattern"] else { throw .missingField(path: path, field: field + ".pattern") }
        guard let literal = pattern["String"] else {
            throw .unsupported(path: path, field: field + ".pattern", detail: "only {\"String\": ...} patterns are supported, not regular expressions")
        }
        let text = try string(literal, field: field + ".pattern.String")
        guard !text.isEmpty else {
            throw .invalidField(path: path, field: field + ".pattern.String", detail: "the pattern is empty")
        }
        return (text, try requiredString(value, "content", field: field))
    }

    /// Replacement, prepend scheme and split of a Metaspace step, reading the older
    /// `add_prefix_space` flag when `prepend_scheme` is absent.
    private func metaspace(_ value: JSONValue, field: String) throws(TokenizerError) -> (Unicode.Scalar, PreTokenizer.PrependScheme, Bool) {
        let replacement = try character(value, "replacement", field: field)
        var scheme = PreTokenizer.PrependScheme.always
        if let schemeValue = value["prepend_scheme"], !schemeValue.isNull {
            let name = try string(schemeValue, field: field + ".prepend_scheme")
            guard let parsed = PreTokenizer.PrependScheme(rawValue: name) else {
                throw .invalidField(path: path, field: field + ".prepend_scheme", detail: "'\(name)'; expected always, first or never")
            }
            scheme = parsed
        } else if try !bool(value["add_prefix_space"], field: field + ".add_prefix_space", default: true) {
            scheme = .never
        }
        return (replacement, scheme, try bool(value["split"], field: field + ".split", default: true))
    }

    // MARK: Typed field access

    private func type(of value: JSONValue, field: String) throws(TokenizerError) -> String {
        guard case .object = value else {
            throw .invalidField(path: path, field: field, detail: "expected an object, found \(value.typeName)")
        }
        return try requiredString(value, "type", field: field)
    }

    private func optional<T>(_ value: JSONValue?, _ read: (JSONValue) throws(TokenizerError) -> T) throws(TokenizerError) -> T? {
        guard let value, !value.isNull else { return nil }
        return try read(value)
    }

    private func requiredString(_ object: JSONValue, _ key: String, field: String) throws(TokenizerError) -> String {
        guard let value = object[key] else { throw .missingField(path: path, field: "\(field).\(key)") }
        return try string(value, field: "\(field).\(key)")
    }

    private func string(_ value: JSONValue, field: String) throws(TokenizerError) -> String {
        guard case .string(let text) = value else {
            throw .invalidField(path: path, field: field, detail: "expected a string, found \(value.typeName)")
        }
        return text
    }

    private func character(_ object: JSONValue, _ key: String, field: String) throws(TokenizerError) -> Unicode.Scalar {
        let text = try requiredString(object, key, field: field)
        guard text.unicodeScalars.count == 1, let scalar = text.unicodeScalars.first else {
            throw .invalidField(path: path, field: "\(field).\(key)", detail: "expected one character, found '\(text)'")
        }
        return scalar
    }

    private func array(_ value: JSONValue, field: String) throws(TokenizerError) -> [JSONValue] {
        guard case .array(let elements) = value else {
            throw .invalidField(path: path, field: field, detail: "expected an array, found \(value.typeName)")
        }
        return elements
    }

    private func bool(_ value: JSONValue?, field: String, default defaultValue: Bool) throws(TokenizerError) -> Bool {
        switch value {
        case nil, .null?: return defaultValue
        case .bool(let flag)?: return flag
        case let other?: throw .invalidField(path: path, field: field, detail: "expected true or false, found \(other.typeName)")
        }
    }

    private func number(_ value: JSONValue, field: String) throws(TokenizerError) -> Double {
        switch value {
        case .integer(let number): return Double(number)
        case .double(let number): return number
        default: throw .invalidField(path: path, field: field, detail: "expected a number, found \(value.typeName)")
        }
    }

    private func count(_ value: JSONValue?, field: String) throws(TokenizerError) -> Int {
        guard let value else { throw .missingField(path: path, field: field) }
        guard case .integer(let number) = value, number >= 0 else {
            throw .invalidField(path: path, field: field, detail: "expected a non-negative integer")
        }
        return number
    }

    private func tokenID(_ value: JSONValue, field: String) throws(TokenizerError) -> Int32 {
        guard case .integer(let id) = value, (0...Self.maxID).contains(id) else {
            throw .invalidField(path: path, field: field, detail: "expected a token id in 0...\(Self.maxID), found \(value.summary)")
        }
        return Int32(id)
    }
}
