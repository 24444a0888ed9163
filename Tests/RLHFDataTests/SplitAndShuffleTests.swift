import Foundation
import RLHFData
import Testing

/// Train/eval splitting, shuffling and the resumable epoch cursor.
@Suite struct SplitAndShuffleTests {
    @Test func stableHashIsFNV1a64() {
        // Reference values of the FNV-1a 64-bit test suite.
        #expect(stableHash("") == 0xCBF2_9CE4_8422_2325)
        #expect(stableHash("a") == 0xAF63_DC4C_8601_EC8C)
        #expect(stableHash("foobar") == 0x8594_4171_F739_67E8)
    }

    @Test func splitHoldsOutTheRequestedFraction() {
        let keys = (0..<10_000).map { "prompt number \($0)" }
        let (train, eval) = splitTrainEval(keys, evalFraction: 0.1) { $0 }
        // Binomial(10000, 0.1) has a standard deviation of 30; allow five.
        #expect(abs(eval.count - 1_000) <= 150)
        #expect(train.count + eval.count == keys.count)
        #expect(Set(train).isDisjoint(with: eval))
    }

    @Test func sameKeyLandsOnTheSameSideWhateverElseIsInTheData() {
        let items = (0..<2_000).map { (id: $0, prompt: "prompt \($0 % 300)") }
        let (train, eval) = splitTrainEval(items, evalFraction: 0.2) { $0.prompt }
        #expect(Set(train.map(\.prompt)).isDisjoint(with: eval.map(\.prompt)))
        // Order is preserved on each side.
        #expect(train.map(\.id) == train.map(\.id).sorted())
        #expect(eval.map(\.id) == eval.map(\.id).sorted())
        // A subset splits its keys the same way.
        let (_, subsetEval) = splitTrainEval(Array(items.suffix(700)), evalFraction: 0.2) { $0.prompt }
        let evalPrompts = Set(eval.map(\.prompt))
        #expect(subsetEval.allSatisfy { evalPrompts.contains($0.prompt) })
    }

    @Test func splitFractionExtremes() {
        let keys = (0..<500).map(String.init)
        #expect(splitTrainEval(keys, evalFraction: 0) { $0 }.eval.isEmpty)
        #expect(splitTrainEval(keys, evalFraction: 1) { $0 }.train.isEmpty)
    }

    @Test func shuffleIsAReproduciblePermutationPerEpoch() {
        let first = shuffledIndices(count: 1_000, seed: 7, epoch: 0)
        #expect(first.sorted() == Array(0..<1_000))
        #expect(shuffledIndices(count: 1_000, seed: 7, epoch: 0) == first)
        #expect(shuffledIndices(count: 1_000, seed: 7, epoch: 1) != first)
        #expect(shuffledIndices(count: 1_000, seed: 8, epoch: 0) != first)
        #expect(first != Array(0..<1_000))
        #expect(shuffledIndices(count: 0, seed: 7, epoch: 0).isEmpty)
        #expect(shuffledIndices(count: 1, seed: 7, epoch: 3) == [0])
    }

    @Test func shuffleOrderIsPinned() {
        // Checkpoints resume by recomputing this order, so it must never change.
        #expect(shuffledIndices(count: 10, seed: 42, epoch: 0) == [2, 8, 5, 1, 6, 4, 0, 3, 9, 7])
        #expect(shuffledIndices(count: 10, seed: 42, epoch: 1) == [3, 1, 2, 6, 9, 4, 5, 8, 0, 7])
    }

    @Test func cursorWalksEpochsInShuffledOrder() {
        var cursor = EpochCursor()
        var walked: [Int] = []
        for _ in 0..<5 {
            walked += cursor.next(batch: 4, count: 10, seed: 3)
        }
        #expect(walked == shuffledIndices(count: 10, seed: 3, epoch: 0) + shuffledIndices(count: 10, seed: 3, epoch: 1))
        #expect(cursor == EpochCursor(epoch: 2, position: 0))

        var wide = EpochCursor()
        let batch = wide.next(batch: 25, count: 10, seed: 3)
        #expect(Array(batch[..<20]) == walked)
        #expect(Array(batch[20...]) == Array(shuffledIndices(count: 10, seed: 3, epoch: 2).prefix(5)))
        #expect(wide == EpochCursor(epoch: 2, position: 5))
    }

    @Test func resumedCursorContinuesExactly() throws {
        let seed: UInt64 = 1234
        var uninterrupted = EpochCursor()
        let expected = (0..<8).map { _ in uninterrupted.next(batch: 7, count: 23, seed: seed) }

        var cursor = EpochCursor()
        var seen = (0..<3).map { _ in cursor.next(batch: 7, count: 23, seed: seed) }
        let saved = try JSONEncoder().encode(cursor)
        var resumed = try JSONDecoder().decode(EpochCursor.self, from: saved)
        #expect(resumed == cursor)
        seen += (0..<5).map { _ in resumed.next(batch: 7, count: 23, seed: seed) }
        #expect(seen == expected)
        #expect(resumed == uninterrupted)
    }
}
