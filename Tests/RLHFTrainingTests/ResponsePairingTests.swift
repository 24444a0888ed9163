import RLHFTraining
import Testing

@Suite struct ResponsePairingTests {
    @Test func adjacentPairsAreDisjointNeighbours() {
        #expect(ResponsePairing.adjacent.indexPairs(count: 4).map { [$0.0, $0.1] } == [[0, 1], [2, 3]])
    }

    @Test func allPairsAreEveryTwoOfTheRanking() {
        let pairs = ResponsePairing.all.indexPairs(count: 4).map { [$0.0, $0.1] }
        #expect(pairs == [[0, 1], [0, 2], [0, 3], [1, 2], [1, 3], [2, 3]])
        #expect(ResponsePairing.all.indexPairs(count: 9).count == 36)
    }

    @Test func theConfigNamesThePairingOrGetsAClearError() throws {
        let all = try RunConfig.load(schema: StageSchemas.compare, yaml: "model: {path: m}\ndata: {prompts: [p]}\ncompare: {pairing: all}",
                                     source: "test.yaml")
        #expect(try ResponsePairing(config: all) == .all)
        let bad = try RunConfig.load(schema: StageSchemas.compare, yaml: "model: {path: m}\ndata: {prompts: [p]}\ncompare: {pairing: ranked}",
                                     source: "test.yaml")
        #expect(throws: ConfigError.self) { try ResponsePairing(config: bad) }
        do {
            _ = try ResponsePairing(config: bad)
        } catch {
            #expect(error.description.contains("compare.pairing"))
            #expect(error.description.contains("adjacent or all"))
        }
    }
}
