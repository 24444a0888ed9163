import Foundation
import RLHFData
import Testing

/// Anthropic HH-RLHF test splits, read in place from the shared data beside the repository.
@Suite(.enabled(
    if: FileManager.default.fileExists(atPath: DatasetFixtures.anthropicHH.path),
    "Anthropic HH-RLHF data not found at ../shared/data/hh-rlhf beside the repository; see the data README"))
struct DatasetHHTests {
    static let helpful = DatasetFixtures.anthropicHH.appendingPathComponent("helpful-base-test.jsonl.gz")
    static let harmless = DatasetFixtures.anthropicHH.appendingPathComponent("harmless-base-test.jsonl.gz")

    /// Counts documented in the data README and confirmed independently with Python's gzip and
    /// json modules.
    @Test func helpfulBaseCounts() throws {
        let (pairs, summary) = try loadPreferencePairs(at: Self.helpful)
        #expect(summary.linesRead == 2_354)
        #expect(summary.identicalPairsSkipped == 2)
        #expect(summary.mismatchedPromptsSkipped == 9)
        #expect(summary.badLinesSkipped == 0)
        #expect(summary.recordsLoaded == 2_343)
        #expect(pairs.count == 2_343)
        checkWellFormed(pairs)
    }

    @Test func harmlessBaseCounts() throws {
        let (pairs, summary) = try loadPreferencePairs(at: Self.harmless)
        #expect(summary.linesRead == 2_312)
        #expect(summary.identicalPairsSkipped == 0)
        #expect(summary.mismatchedPromptsSkipped == 5)
        #expect(summary.badLinesSkipped == 0)
        #expect(summary.recordsLoaded == 2_307)
        checkWellFormed(pairs)
    }

    @Test func bothFilesTogether() throws {
        let (pairs, summary) = try loadPreferencePairs(at: [Self.helpful, Self.harmless])
        #expect(pairs.count == 4_650)
        #expect(summary.identicalPairsSkipped == 2)
        #expect(summary.mismatchedPromptsSkipped == 14)
        #expect(summary.firstProblems.count == LoadSummary.maxProblems)
    }

    @Test func everyDialogueGivesAPrompt() throws {
        let (prompts, summary) = try loadPrompts(at: Self.helpful)
        #expect(prompts.count == 2_354)
        #expect(summary.recordsLoaded == 2_354)
        #expect(prompts.allSatisfy { $0.hasPrefix("\n\nHuman:") && $0.hasSuffix("\n\nAssistant:") })
    }

    private func checkWellFormed(_ pairs: [PreferencePair]) {
        #expect(pairs.allSatisfy { $0.prompt.hasPrefix("\n\nHuman:") && $0.prompt.hasSuffix("\n\nAssistant:") })
        #expect(pairs.allSatisfy { !$0.chosen.contains("\n\nAssistant:") && !$0.rejected.contains("\n\nAssistant:") })
        #expect(pairs.allSatisfy { $0.chosen.utf8.elementsEqual($0.rejected.utf8) == false })
    }
}
