import Foundation

/// How the next token is drawn from the model's logits.
public struct SamplingParameters: Equatable, Codable, Sendable {
    /// Softmax temperature; 0 means greedy (argmax).
    public var temperature: Float
    /// Keep only the k most likely tokens (0 = no limit).
    public var topK: Int
    /// Keep the smallest set of most likely tokens whose probability reaches p (1 = no limit).
    public var topP: Float

    public init(temperature: Float = 1, topK: Int = 0, topP: Float = 1) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
    }

    public static let greedy = SamplingParameters(temperature: 0)

    var truncates: Bool { topK > 0 || topP < 1 }

    public func validate() throws(GenerationError) {
        guard temperature >= 0, temperature.isFinite else { throw .invalidParameter("temperature must be >= 0, got \(temperature)") }
        guard topK >= 0 else { throw .invalidParameter("top_k must be >= 0, got \(topK)") }
        guard topP > 0, topP <= 1 else { throw .invalidParameter("top_p must be in (0, 1], got \(topP)") }
    }
}

/// One draw: the token, its log-prob under softmax(logits / temperature) (what scoring the
/// same tokens computes, and what PPO's ratio needs) and its log-prob under the truncated
/// distribution it was actually drawn from (equal when neither top-k nor top-p cuts).
struct Draw {
    var token: Int32
    var logProb: Float
    var samplingLogProb: Float
}

/// Draws tokens from logit rows; holds the scratch it needs so that drawing allocates nothing.
struct Sampler {
    let parameters: SamplingParameters
    let vocabSize: Int
    private var probs: [Float]
    private var order: [Int32]

    init(parameters: SamplingParameters, vocabSize: Int) {
        self.parameters = parameters
        self.vocabSize = vocabSize
        probs = [Float](repeating: 0, count: vocabSize)
        order = (0..<Int32(vocabSize)).map { $0 }
    }

    mutating func draw(logits: UnsafePointer<Float>, rng: inout RandomGenerator) -> Draw {
        let v = vocabSize
        let greedy = parameters.temperature == 0
        let scale: Float = greedy ? 1 : 1 / parameters.temperature
        let m = maxOf(logits, v) * scale
        let sum = probs.withUnsafeMutableBufferPointer { expShifted(logits, $0.baseAddress!, v, scale: scale, shift: m) }
        let lse = m + logf(sum)
        func fullLogProb(_ token: Int) -> Float { logits[token] * scale - lse }

        if greedy {
            var best = 0
            for j in 1..<v where logits[j] > logits[best] { best = j }
            return Draw(token: Int32(best), logProb: fullLogProb(best), samplingLogProb: 0)
        }
        if !parameters.truncates {
            let u = rng.nextUnitFloat() * sum
            var acc: Float = 0
            var chosen = v - 1
            for j in 0..<v {
                acc += probs[j]
                if acc > u { chosen = j; break }
            }
            let lp = fullLogProb(chosen)
            return Draw(token: Int32(chosen), logProb: lp, samplingLogProb: lp)
        }
        // Sort token ids by probability (ties by id, so the result is deterministic), then cut.
        let p = probs
        order.sort { p[Int($0)] != p[Int($1)] ? p[Int($0)] > p[Int($1)] : $0 < $1 }
        var keep = parameters.topK > 0 ? min(parameters.topK, v) : v
        if parameters.topP < 1 {
            var acc: Float = 0
            for j in 0..<keep {
                acc += p[Int(order[j])] / sum
                if acc >= parameters.topP { keep = j + 1; break }
            }
        }
        var kept: Float = 0
        for j in 0..<keep { kept += p[Int(order[j])] }
        let u = rng.nextUnitFloat() * kept
        var acc: Float = 0
        var chosen = Int(order[keep - 1])
        for j in 0..<keep {
            acc += p[Int(order[j])]
            if acc > u { chosen = Int(order[j]); break }
        }
        return Draw(token: Int32(chosen), logProb: fullLogProb(chosen), samplingLogProb: logf(p[chosen] / kept))
    }
}
