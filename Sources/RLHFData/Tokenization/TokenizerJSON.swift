import Foundation

extension BPETokenizer {
    /// Reads a Hugging Face `tokenizer.json` with a BPE model.
    ///
    /// Supported: `normalizer` Prepend, Replace (literal patterns) and Sequence;
    /// `pre_tokenizer` ByteLevel, Metaspace and Sequence (ByteLevel last); `decoder` ByteLevel,
    /// Replace, ByteFallback, Fuse, Strip, Metaspace and Sequence; the BPE options
    /// `unk_token`, `fuse_unk`, `byte_fallback` and `ignore_merges`. Anything else, such as a
    /// WordPiece model, a Unicode normalization form or a regex Split pre-tokenizer, throws an
    /// error naming the field, rather than encoding differently from the library.
    public init(contentsOf url: URL) throws(TokenizerError) {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw .io(path: url.path, detail: "cannot read the file: \(error.localizedDescription)")
        }
        let document: JSONValue
        switch JSONValue.parse(Array(data)) {
        case .success(let value): document = value
        case .failure(let error): throw .invalidJSON(path: url.path, detail: error.description)
        }
        self = try TokenizerJSONReader(path: url.path).tokenizer(from: document)
    }

    /// Writes the tokenizer as a `tokenizer.json` that the Hugging Face `tokenizers` library
    /// (`Tokenizer.from_file`) and `transformers` load and encode identically.
    ///
    /// Merges are written in the `"left right"` string form every library version reads,
    /// unless a token contains a space, which only the `["left", "right"]` form can express.
    public func write(to url: URL) throws(TokenizerError) {
        do {
            try Data(jsonDocument().prettyPrinted().utf8).write(to: url, options: .atomic)
        } catch {
            throw .io(path: url.path, detail: "cannot write the file: \(error.localizedDescription)")
        }
    }

    func jsonDocument() -> JSONValue {
        .object([
            .init("version", .string("1.0")),
            .init("truncation", .null),
            .init("padding", .null),
            .init("added_tokens", .array(addedTokens.map(\.json))),
            .init("normalizer", normalizer?.json ?? .null),
            .init("pre_tokenizer", preTokenizer?.json ?? .null),
            .init("post_processor", postProcessor),
            .init("decoder", decoder?.json ?? .null),
            .init("model", model.json),
        ])
    }
}

// MARK: - The JSON of each part, as the Hugging Face library writes it

extension AddedToken {
    var json: JSONValue {
        .object([
            .init("id", .integer(Int(id))),
            .init("content", .string(content)),
            .init("single_word", .bool(isSingleWord)),
            .init("lstrip", .bool(stripsLeft)),
            .init("rstrip", .bool(stripsRight)),
            .init("normalized", .bool(isNormalized)),
            .init("special", .bool(isSpecial)),
        ])
    }
}

extension Normalizer {
    var json: JSONValue {
        switch self {
        case .prepend(let prefix):
            .object([.init("type", .string("Prepend")), .init("prepend", .string(prefix))])
        case .replace(let pattern, let content):
            .object([
                .init("type", .string("Replace")),
                .init("pattern", .object([.init("String", .string(pattern))])),
                .init("content", .string(content)),
            ])
        case .sequence(let steps):
            .object([.init("type", .string("Sequence")), .init("normalizers", .array(steps.map(\.json)))])
        }
    }
}

/// The fields ByteLevel pre-tokenizers and decoders share.
private func byteLevelJSON(addPrefixSpace: Bool, trimOffsets: Bool, useRegex: Bool) -> JSONValue {
    .object([
        .init("type", .string("ByteLevel")),
        .init("add_prefix_space", .bool(addPrefixSpace)),
        .init("trim_offsets", .bool(trimOffsets)),
        .init("use_regex", .bool(useRegex)),
    ])
}

private func metaspaceJSON(replacement: Unicode.Scalar, prependScheme: PreTokenizer.PrependScheme, split: Bool) -> JSONValue {
    .object([
        .init("type", .string("Metaspace")),
        .init("replacement", .string(String(replacement))),
        .init("prepend_scheme", .string(prependScheme.rawValue)),
        .init("split", .bool(split)),
    ])
}

extension PreTokenizer {
    var json: JSONValue {
        switch self {
        case .byteLevel(let addPrefixSpace, let trimOffsets, let useRegex):
            byteLevelJSON(addPrefixSpace: addPrefixSpace, trimOffsets: trimOffsets, useRegex: useRegex)
        case .metaspace(let replacement, let prependScheme, let split):
            metaspaceJSON(replacement: replacement, prependScheme: prependScheme, split: split)
        case .sequence(let steps):
            .object([.init("type", .string("Sequence")), .init("pretokenizers", .array(steps.map(\.json)))])
        }
    }
}

extension TokenDecoder {
    var json: JSONValue {
        switch self {
        case .byteLevel(let addPrefixSpace, let trimOffsets, let useRegex):
            byteLevelJSON(addPrefixSpace: addPrefixSpace, trimOffsets: trimOffsets, useRegex: useRegex)
        case .replace(let pattern, let content):
            .object([
                .init("type", .string("Replace")),
                .init("pattern", .object([.init("String", .string(pattern))])),
                .init("content", .string(content)),
            ])
        case .byteFallback:
            .object([.init("type", .string("ByteFallback"))])
        case .fuse:
            .object([.init("type", .string("Fuse"))])
        case .strip(let content, let start, let stop):
            .object([
                .init("type", .string("Strip")),
                .init("content", .string(String(content))),
                .init("start", .integer(start)),
                .init("stop", .integer(stop)),
            ])
        case .metaspace(let replacement, let prependScheme, let split):
            metaspaceJSON(replacement: replacement, prependScheme: prependScheme, split: split)
        case .sequence(let steps):
            .object([.init("type", .string("Sequence")), .init("decoders", .array(steps.map(\.json)))])
        }
    }
}

extension BPEModel {
    var json: JSONValue {
        let pairForm = merges.contains { $0.left.utf8.contains(0x20) || $0.right.utf8.contains(0x20) }
        let mergeValues: [JSONValue] = merges.map { merge in
            pairForm ? .array([.string(merge.left), .string(merge.right)]) : .string(merge.left + " " + merge.right)
        }
        return .object([
            .init("type", .string("BPE")),
            .init("dropout", .null),
            .init("unk_token", unknownToken.map(JSONValue.string) ?? .null),
            .init("continuing_subword_prefix", .null),
            .init("end_of_word_suffix", .null),
            .init("fuse_unk", .bool(fusesUnknown)),
            .init("byte_fallback", .bool(usesByteFallback)),
            .init("ignore_merges", .bool(ignoresMerges)),
            .init("vocab", .object(vocabulary.map { .init($0.token, .integer(Int($0.id))) })),
            .init("merges", .array(mergeValues)),
        ])
    }
}
