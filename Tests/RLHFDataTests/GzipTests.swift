import Foundation
import RLHFData
import Testing

@Suite struct GzipTests {
    private func readAll(_ url: URL) throws(DataError) -> [LineReader.Line] {
        let reader = try LineReader(url: url)
        var lines: [LineReader.Line] = []
        while let line = try reader.next() {
            lines.append(line)
        }
        return lines
    }

    /// Many lines of JSONL preference records, enough to span several decompression chunks.
    private func manyPreferenceLines(_ count: Int) -> String {
        (0..<count).map { i in
            #"{"prompt": "Question \#(i)?", "chosen": " Answer \#(i) ✓", "rejected": " Not \#(i)"}"#
        }.joined(separator: "\r\n")
    }

    @Test func gzippedFileReadsLikeThePlainOne() throws {
        let scratch = try DatasetScratchDirectory()
        let (plain, gzipped) = try scratch.writePlainAndGzipped("pairs.jsonl", manyPreferenceLines(3_000))
        let plainLines = try readAll(plain)
        #expect(plainLines.count == 3_000)
        #expect(try readAll(gzipped) == plainLines)

        let (plainPairs, plainSummary) = try loadPreferencePairs(at: plain)
        let (gzippedPairs, gzippedSummary) = try loadPreferencePairs(at: gzipped)
        #expect(gzippedPairs == plainPairs)
        #expect(gzippedSummary.recordsLoaded == plainSummary.recordsLoaded)
        #expect(gzippedPairs[2_999] == PreferencePair(prompt: "Question 2999?", chosen: " Answer 2999 ✓", rejected: " Not 2999"))
    }

    @Test func everyLoaderReadsGzippedFixturesLikePlainOnes() throws {
        let scratch = try DatasetScratchDirectory()
        func copyGzipped(_ name: String) throws -> (URL, URL) {
            let text = try String(contentsOf: DatasetFixtures.url(name), encoding: .utf8)
            return try scratch.writePlainAndGzipped(name, text)
        }
        let (corpus, corpusGz) = try copyGzipped("corpus.txt")
        #expect(try loadTextDocuments(at: corpusGz).0 == loadTextDocuments(at: corpus).0)
        let (sft, sftGz) = try copyGzipped("sft.jsonl")
        #expect(try loadSFTExamples(at: sftGz).0 == loadSFTExamples(at: sft).0)
        let (prompts, promptsGz) = try copyGzipped("prompts.jsonl")
        #expect(try loadPrompts(at: promptsGz).0 == loadPrompts(at: prompts).0)
    }

    @Test func truncatedGzipIsAnErrorNamingTheFile() throws {
        let scratch = try DatasetScratchDirectory()
        let (_, gzipped) = try scratch.writePlainAndGzipped("pairs.jsonl", manyPreferenceLines(3_000))
        let bytes = try Data(contentsOf: gzipped)
        let truncated = try scratch.write("truncated.jsonl.gz", bytes: Array(bytes.prefix(bytes.count / 2)))

        let error = #expect(throws: DataError.self) { try readAll(truncated) }
        guard case .unreadable(let path, let afterLine, _) = error else {
            Issue.record("expected .unreadable, got \(String(describing: error))")
            return
        }
        #expect(path == truncated.path)
        #expect(afterLine > 0 && afterLine < 3_000)
        #expect(error?.description.contains("truncated.jsonl.gz: cannot read past line \(afterLine)") == true)
        #expect(error?.description.contains("the .gz file is truncated") == true)

        // Skipping bad lines never hides a broken file.
        #expect(throws: DataError.self) { try loadPreferencePairs(at: truncated, options: LoadOptions(skipBadLines: true)) }
    }

    @Test func corruptGzipChecksumIsAnError() throws {
        let scratch = try DatasetScratchDirectory()
        let (_, gzipped) = try scratch.writePlainAndGzipped("pairs.jsonl", manyPreferenceLines(100))
        var bytes = Array(try Data(contentsOf: gzipped))
        // The gzip trailer is CRC-32 then length; flipping the CRC corrupts only the check.
        bytes[bytes.count - 8] ^= 0xFF
        let corrupt = try scratch.write("corrupt.jsonl.gz", bytes: bytes)

        let error = #expect(throws: DataError.self) { try loadPreferencePairs(at: corrupt) }
        #expect(error?.description.contains("corrupt.jsonl.gz: cannot read past line") == true)
        #expect(error?.description.contains("the compressed data is corrupt") == true)
    }
}
