import Foundation
import RLHFCore
import RLHFTraining
import Testing

@Suite("Stage objectives")
struct ObjectiveTests {
    @Test("the reward-model loss gradient matches central finite differences")
    func preferenceGradient() throws {
        let model = try StageFixtures.model(head: .scalar)
        let pairs = StageFixtures.preferencePairs(4, seed: 9)
        let objective = PreferenceObjective(train: PreferenceGroup.grouping(pairs, by: nil), eval: [], padToken: 0,
                                            microBatchSize: 0, margin: 0.1)
        let all = Array(0..<pairs.count)[...]
        model.zeroGradients()
        _ = try objective.accumulateGradients(of: model, on: all, scale: 0.25)
        let analytic = model.gradients.array

        func loss() throws -> Double {
            let saved = model.gradients.array
            defer { for i in saved.indices { model.gradients[i] = saved[i] } }
            return try objective.accumulateGradients(of: model, on: all, scale: 0).loss * 0.25
        }
        let score = try #require(model.layout.view(named: "score.weight"))
        let probes = [score.offset, score.offset + 3, model.layout.layers[0].wq + 5, model.layout.layers[1].down + 7, 11]
        for index in probes {
            let saved = model.parameters[index]
            model.parameters[index] = saved + 1e-2
            let up = try loss()
            model.parameters[index] = saved - 1e-2
            let down = try loss()
            model.parameters[index] = saved
            let numeric = (up - down) / 2e-2
            #expect(abs(numeric - Double(analytic[index])) <= 2e-3 + 2e-2 * abs(numeric), "parameter \(index)")
        }
    }

    @Test("grouping a prompt's run of pairs scores each response once and keeps every comparison")
    func grouping() {
        let (a, b, c, d): ([Int32], [Int32], [Int32], [Int32]) = ([1, 2, 3], [1, 2, 4], [1, 2, 5], [7, 8])
        let pairs = [TokenizedPair(chosen: a, rejected: b), TokenizedPair(chosen: b, rejected: c),
                     TokenizedPair(chosen: a, rejected: c), TokenizedPair(chosen: d, rejected: a),
                     TokenizedPair(chosen: c, rejected: a)]
        // The second "p" run is another draw of the same prompt: a group of its own.
        let groups = PreferenceGroup.grouping(pairs, by: ["p", "p", "p", "q", "p"])
        #expect(groups.map(\.sequences) == [[a, b, c], [d, a], [c, a]])
        #expect(groups[0].pairs == [.init(chosen: 0, rejected: 1), .init(chosen: 1, rejected: 2), .init(chosen: 0, rejected: 2)])
        #expect(groups[1].pairs == [.init(chosen: 0, rejected: 1)])
        #expect(groups[2].pairs == [.init(chosen: 0, rejected: 1)])
        let single = PreferenceGroup.grouping(pairs, by: nil)
        #expect(single.count == 5 && single.allSatisfy { $0.pairs == [.init(chosen: 0, rejected: 1)] })
        #expect(PreferenceGroup.grouping([], by: []).isEmpty)
    }

    @Test("grouped pairs give the loss, accuracy and gradient of the same pairs one by one")
    func groupedMatchesSeparate() throws {
        let model = try StageFixtures.model(head: .scalar)
        // Four responses to each of three prompts, compared in every order of one draw.
        var rng = RandomGenerator(seed: 5)
        var pairs: [TokenizedPair] = [], prompts: [String] = []
        for p in 0..<3 {
            let prompt = (0..<4).map { _ in Int32(rng.next() % 12) }
            let responses = (0..<4).map { _ in prompt + (0..<(1 + Int(rng.next() % 4))).map { _ in Int32(rng.next() % 24) } }
            for i in 0..<4 { for j in (i + 1)..<4 {
                pairs.append(rng.next() % 2 == 0 ? TokenizedPair(chosen: responses[i], rejected: responses[j])
                                                 : TokenizedPair(chosen: responses[j], rejected: responses[i]))
                prompts.append("prompt \(p)")
            } }
        }
        let separate = PreferenceObjective(train: PreferenceGroup.grouping(pairs, by: nil), eval: [], padToken: 0,
                                           microBatchSize: 5, margin: 0.1)
        let grouped = PreferenceObjective(train: PreferenceGroup.grouping(pairs, by: prompts), eval: [], padToken: 0,
                                          microBatchSize: 2, margin: 0.1)
        #expect(grouped.trainCount == 3 && separate.trainCount == pairs.count)
        let allPairs = Array(0..<separate.trainCount)[...], allGroups = Array(0..<grouped.trainCount)[...]
        #expect(grouped.weight(of: allGroups) == separate.weight(of: allPairs))
        let scale = Float(1 / separate.weight(of: allPairs))
        let (a, one) = try Self.gradient(of: separate, on: allPairs, scale: scale, model: model)
        let (b, many) = try Self.gradient(of: grouped, on: allGroups, scale: scale, model: model)
        #expect(abs(a.loss - b.loss) <= 1e-4 * abs(a.loss))
        #expect(a.correct == b.correct)
        #expect(b.tokens < a.tokens)  // each response once instead of once per pair
        #expect(Self.relativeDistance(one, many) <= 1e-4)
    }

    @Test("reward normalisation counts each distinct response once, in any batch size")
    func rewardNormalization() throws {
        let model = try StageFixtures.model(head: .scalar)
        let (a, b, c): ([Int32], [Int32], [Int32]) = ([1, 2, 3], [1, 2, 4, 5], [1, 6])
        // a is in three pairs and b in two: each counts once.
        let pairs = [TokenizedPair(chosen: a, rejected: b), TokenizedPair(chosen: c, rejected: a),
                     TokenizedPair(chosen: a, rejected: b)]
        let responses = PreferenceGroup(pairs: pairs).sequences
        #expect(responses == [a, b, c])
        let rewards: [Double] = try [a, b, c].map { sequence in
            let batch = TokenBatch(sequences: [sequence])
            return Double(batch.lastTokenValues(try model.forward(batch, keepingActivationsForBackward: false))[0])
        }
        let mean: Double = rewards.reduce(0, +) / 3
        let squares: [Double] = rewards.map { ($0 - mean) * ($0 - mean) }
        let std: Double = (squares.reduce(0, +) / 3).squareRoot()
        for batchSize in [1, 2, 8] {
            let measured = try RewardNormalization.measure(model, responses: responses, group: StageFixtures.group(),
                                                           padToken: 0, batchSize: batchSize)
            #expect(measured.responses == 3)
            #expect(abs(measured.mean - mean) <= 1e-5 * max(abs(mean), 1), "batch size \(batchSize)")
            #expect(abs(measured.std - std) <= 1e-4 * std, "batch size \(batchSize)")
        }
    }

    @Test("a reward_normalization.json from before distinct responses still reads")
    func rewardNormalizationFormats() throws {
        let old = try JSONDecoder().decode(RewardNormalization.self, from: Data(#"{"mean": 0.5, "std": 2, "pairs": 10}"#.utf8))
        #expect(old == RewardNormalization(mean: 0.5, std: 2, responses: 20))
        let current = RewardNormalization(mean: -1, std: 0.25, responses: 7)
        #expect(try JSONDecoder().decode(RewardNormalization.self, from: JSONEncoder().encode(current)) == current)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(RewardNormalization.self, from: Data(#"{"mean": 0.5, "std": 2}"#.utf8))
        }
    }

    @Test("micro-batches accumulate the same gradient as one pass")
    func microBatching() throws {
        let model = try StageFixtures.model()
        let sequences = StageFixtures.countingSequences(6, seed: 2)
        let whole = LanguageModelingObjective(train: sequences, eval: [], padToken: 0, microBatchSize: 0)
        let pieces = LanguageModelingObjective(train: sequences, eval: [], padToken: 0, microBatchSize: 2)
        let all = Array(0..<sequences.count)[...]
        let scale = Float(1 / whole.weight(of: all))
        let (a, one) = try Self.gradient(of: whole, on: all, scale: scale, model: model)
        let (b, many) = try Self.gradient(of: pieces, on: all, scale: scale, model: model)
        #expect(abs(a.loss - b.loss) <= 1e-4 * abs(a.loss))
        #expect(Self.relativeDistance(one, many) <= 1e-5)
    }

    @Test("the language-modelling loss counts masked targets only")
    func maskedLoss() throws {
        let sequences = StageFixtures.countingSequences(3, seed: 4)
        let objective = LanguageModelingObjective(train: sequences, eval: sequences, padToken: 0, microBatchSize: 0)
        let expected = sequences.map { s in s.lossMask.dropFirst().filter { $0 }.count }.reduce(0, +)
        #expect(objective.weight(of: Array(0..<3)[...]) == Double(expected))
        let model = try StageFixtures.model()
        let results = try objective.evaluate(model, group: StageFixtures.group())
        let loss = try #require(results["eval/loss"])
        // Random weights: near the uniform loss log(V).
        #expect(abs(loss - log(Double(StageFixtures.config.vocabSize))) < 1.5)
        #expect(abs(try #require(results["eval/perplexity"]) - exp(loss)) < 1e-9 * exp(loss))
    }

    @Test("a reward model copies the language model's trunk and gets a fresh head")
    func rewardModelInitialisation() throws {
        let lm = try StageFixtures.model()
        let rm = try RewardModelStage.rewardModel(fromTrunkOf: lm, headStd: 0, seed: 1)
        #expect(rm.head == .scalar)
        for view in rm.layout.views where view.name != "score.weight" {
            let from = try #require(lm.layout.view(named: view.name))
            for i in 0..<view.count { #expect(rm.parameters[view.offset + i] == lm.parameters[from.offset + i]) }
        }
        let score = try #require(rm.layout.view(named: "score.weight"))
        let values = (0..<score.count).map { Double(rm.parameters[score.offset + $0]) }
        let std = (values.map { $0 * $0 }.reduce(0, +) / Double(values.count)).squareRoot()
        #expect(std > 0.05 && std < 0.5, "head std \(std) should be near 1/sqrt(17)")
    }

    /// The sums and the gradient `objective` accumulates over `examples` from zeroed gradients.
    static func gradient(of objective: some TrainingObjective, on examples: ArraySlice<Int>, scale: Float,
                         model: LlamaModel) throws -> (sums: ObjectiveSums, gradient: [Float]) {
        model.zeroGradients()
        let sums = try objective.accumulateGradients(of: model, on: examples, scale: scale)
        return (sums, model.gradients.array)
    }

    /// |a - b| / |a| (NaN when a is zero, which no comparison passes).
    static func relativeDistance(_ a: [Float], _ b: [Float]) -> Double {
        let difference = zip(a, b).map { Double($0 - $1) * Double($0 - $1) }.reduce(0, +).squareRoot()
        return difference / a.map { Double($0) * Double($0) }.reduce(0, +).squareRoot()
    }
}
