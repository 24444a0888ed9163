import Foundation

/// Everything besides weights and optimiser moments that a resumed run needs to continue
/// exactly where it stopped. Stored as `state.json` in each training checkpoint.
public struct TrainingState: Codable, Equatable, Sendable {
    /// Optimiser steps completed.
    public var step: Int
    /// Position in the data stream, e.g. `["epoch": 1, "position": 4096]`.
    public var dataCursor: [String: Int]
    /// The generator state (`RandomGenerator.state`).
    public var rngState: [UInt64]
    /// Running statistics to carry over, e.g. reward normalisation mean and std.
    public var extra: [String: Double]
    /// Ranks the run used; a resume with another count must re-shard the data.
    public var worldSize: Int

    public init(step: Int, dataCursor: [String: Int] = [:], rngState: [UInt64] = [], extra: [String: Double] = [:], worldSize: Int = 1) {
        self.step = step
        self.dataCursor = dataCursor
        self.rngState = rngState
        self.extra = extra
        self.worldSize = worldSize
    }

    enum CodingKeys: String, CodingKey {
        case step
        case dataCursor = "data_cursor"
        case rngState = "rng_state"
        case extra
        case worldSize = "world_size"
    }

    // The generator's words are written as hex strings: JSON numbers above 2^53 lose bits in
    // most readers, and the state must come back exactly.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        step = try container.decode(Int.self, forKey: .step)
        dataCursor = try container.decode([String: Int].self, forKey: .dataCursor)
        extra = try container.decode([String: Double].self, forKey: .extra)
        worldSize = try container.decode(Int.self, forKey: .worldSize)
        rngState = try container.decode([String].self, forKey: .rngState).map { text in
            guard let word = UInt64(text, radix: 16) else {
                throw DecodingError.dataCorruptedError(forKey: .rngState, in: container, debugDescription: "\"\(text)\" is not a 64-bit hex word")
            }
            return word
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(step, forKey: .step)
        try container.encode(dataCursor, forKey: .dataCursor)
        try container.encode(rngState.map { String($0, radix: 16) }, forKey: .rngState)
        try container.encode(extra, forKey: .extra)
        try container.encode(worldSize, forKey: .worldSize)
    }
}
