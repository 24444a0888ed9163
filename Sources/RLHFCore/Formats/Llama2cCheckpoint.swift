import Foundation

/// Imports a llama2.c "legacy" checkpoint (`run.c`'s `.bin` format, little-endian).
///
/// The file is a header of 7 int32 (`dim, hidden_dim, n_layers, n_heads, n_kv_heads,
/// vocab_size, seq_len`), then float32 arrays grouped by kind across layers: token embedding,
/// attention norms, wq, wk, wv, wo, FFN norms, w1, w2, w3, final norm, two legacy RoPE tables
/// (skipped), and, when `vocab_size` is negative (untied), the classifier.
///
/// llama2.c's RoPE rotates adjacent pairs (j, j+1) of each head while this model, like Hugging
/// Face, pairs i with i + headDim/2, so the rows of wq and wk are permuted within each head:
/// row i takes llama2.c row 2i and row i + headDim/2 takes row 2i+1.
///
/// - Returns: the configuration (`ropeTheta` 10000, `normEps` 1e-5, `maxSeqLen` = `seq_len`)
///   and the parameters laid out by `ParameterLayout(config:head: .languageModel)`.
public func loadLlama2cModel(file url: URL) throws(FormatError) -> (config: ModelConfig, parameters: FloatBuffer) {
    let path = url.path
    let data = try readFormatFile(url)
    let headerBytes = 7 * 4
    guard data.count >= headerBytes else {
        throw .truncated(path: path, detail: "file has \(data.count) bytes, fewer than the \(headerBytes)-byte header")
    }
    let header = data.withUnsafeBytes { raw in
        (0..<7).map { Int(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self))) }
    }
    let names = ["dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "seq_len"]
    for (name, value) in zip(names, header) where value == 0 || (value < 0 && name != "vocab_size") {
        throw .corrupt(path: path, detail: "header \(name) is \(value), expected a positive value")
    }
    let tied = header[5] > 0
    let config = ModelConfig(
        dim: header[0], nLayers: header[2], nHeads: header[3], nKVHeads: header[4], hiddenDim: header[1],
        vocabSize: abs(header[5]), maxSeqLen: header[6], ropeTheta: 10_000, normEps: 1e-5, tieEmbeddings: tied)
    do {
        try config.validate()
    } catch {
        throw .corrupt(path: path, detail: "header describes an invalid model: \(error.description)")
    }

    let expectedBytes = try expectedFileSize(config, path: path)
    let classifierBytes = 4 * config.vocabSize * config.dim
    let headerText = zip(names, header).map { "\($0)=\($1)" }.joined(separator: ", ")
    if data.count < expectedBytes {
        let hint = !tied && data.count == expectedBytes - classifierBytes
            ? "; that is the size of a tied checkpoint, so vocab_size should be positive" : ""
        throw .truncated(path: path, detail: "header (\(headerText)) implies \(expectedBytes) bytes but the file has \(data.count)\(hint)")
    }
    if data.count > expectedBytes {
        let hint = tied && data.count == expectedBytes + classifierBytes
            ? "; that is the size of an untied checkpoint, so vocab_size should be negative" : ""
        throw .corrupt(path: path, detail: "header (\(headerText)) implies \(expectedBytes) bytes but the file has \(data.count)\(hint)")
    }

    let layout = ParameterLayout(config: config, head: .languageModel)
    let parameters = FloatBuffer(count: layout.count)
    data.withUnsafeBytes { raw in
        var reader = Llama2cReader(raw: raw, cursor: headerBytes, parameters: parameters)
        let c = config.dim, kv = config.kvDim, f = config.hiddenDim
        reader.read(count: config.vocabSize * c, to: layout.embedding)
        for layer in layout.layers { reader.read(count: c, to: layer.attentionNorm) }
        for layer in layout.layers { reader.readRotaryRows(heads: config.nHeads, config: config, to: layer.wq) }
        for layer in layout.layers { reader.readRotaryRows(heads: config.nKVHeads, config: config, to: layer.wk) }
        for layer in layout.layers { reader.read(count: kv * c, to: layer.wv) }
        for layer in layout.layers { reader.read(count: c * c, to: layer.wo) }
        for layer in layout.layers { reader.read(count: c, to: layer.ffnNorm) }
        // SwiGLU w2(silu(w1 x) * w3 x): w1 is the gate, w2 the down projection, w3 the up projection.
        for layer in layout.layers { reader.read(count: f * c, to: layer.gate) }
        for layer in layout.layers { reader.read(count: c * f, to: layer.down) }
        for layer in layout.layers { reader.read(count: f * c, to: layer.up) }
        reader.read(count: c, to: layout.finalNorm)
        // freq_cis_real and freq_cis_imag: the model recomputes RoPE from ropeTheta.
        reader.skip(count: config.maxSeqLen * config.headDim)
        if !tied, let lmHead = layout.lmHead {
            reader.read(count: config.vocabSize * c, to: lmHead)
        }
    }
    return (config, parameters)
}

/// The byte size of a legacy checkpoint with `config`, or an error when it overflows `Int`
/// (which only an absurd header can cause).
private func expectedFileSize(_ config: ModelConfig, path: String) throws(FormatError) -> Int {
    let c = config.dim, kv = config.kvDim, f = config.hiddenDim, l = config.nLayers, v = config.vocabSize
    var arrays: [[Int]] = [
        [v, c],                               // token embedding
        [l, c], [l, c, c],                    // attention norms, wq
        [l, kv, c], [l, kv, c],               // wk, wv
        [l, c, c], [l, c],                    // wo, FFN norms
        [l, f, c], [l, c, f], [l, f, c],      // w1, w2, w3
        [c],                                  // final norm
        [config.maxSeqLen, config.headDim],   // both RoPE tables, each seq_len x headDim/2
    ]
    if !config.tieEmbeddings { arrays.append([v, c]) }  // classifier
    var floats = 0
    for shape in arrays {
        var count = 1
        for factor in shape {
            count = try checked(count.multipliedReportingOverflow(by: factor), path)
        }
        floats = try checked(floats.addingReportingOverflow(count), path)
    }
    return try checked(try checked(floats.multipliedReportingOverflow(by: 4), path).addingReportingOverflow(7 * 4), path)
}

/// The value of an arithmetic result, or an error when it overflowed.
private func checked(_ result: (partialValue: Int, overflow: Bool), _ path: String) throws(FormatError) -> Int {
    guard !result.overflow else {
        throw .corrupt(path: path, detail: "header values imply a file larger than any addressable size")
    }
    return result.partialValue
}

/// Sequential float32 reads from a validated checkpoint into the parameter buffer.
private struct Llama2cReader {
    let raw: UnsafeRawBufferPointer
    var cursor: Int
    let parameters: FloatBuffer

    private func float(at byteOffset: Int) -> Float {
        Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: byteOffset, as: UInt32.self)))
    }

    mutating func read(count: Int, to offset: Int) {
        for i in 0..<count {
            parameters[offset + i] = float(at: cursor + 4 * i)
        }
        cursor += 4 * count
    }

    mutating func skip(count: Int) {
        cursor += 4 * count
    }

    /// Reads a `[heads * headDim, dim]` projection, reordering each head's rows from adjacent
    /// RoPE pairs (2i, 2i+1) to rotate-half pairs (i, i + headDim/2).
    mutating func readRotaryRows(heads: Int, config: ModelConfig, to offset: Int) {
        let c = config.dim, headDim = config.headDim, half = headDim / 2
        for head in 0..<heads {
            for row in 0..<headDim {
                let sourceRow = row < half ? 2 * row : 2 * (row - half) + 1
                let source = cursor + 4 * (head * headDim + sourceRow) * c
                let destination = offset + (head * headDim + row) * c
                for column in 0..<c {
                    parameters[destination + column] = float(at: source + 4 * column)
                }
            }
        }
        cursor += 4 * heads * headDim * c
    }
}
