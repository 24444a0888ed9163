import Foundation
import RLHFData
import Testing

@Suite struct LineReaderTests {
    /// All lines of `url` as (number, text) pairs.
    private func readAll(_ url: URL) throws(DataError) -> [LineReader.Line] {
        let reader = try LineReader(url: url)
        var lines: [LineReader.Line] = []
        while let line = try reader.next() {
            lines.append(line)
        }
        return lines
    }

    @Test func splitsAtNewlinesAndNumbersLinesFromOne() throws {
        let scratch = try DatasetScratchDirectory()
        let url = try scratch.write("lines.txt", "alpha\n\nbeta\r\ngamma\r\n\r\nlast without newline")
        let lines = try readAll(url)
        #expect(lines.map(\.text) == ["alpha", "", "beta", "gamma", "", "last without newline"])
        #expect(lines.map(\.number) == [1, 2, 3, 4, 5, 6])
    }

    @Test func finalNewlineDoesNotAddAnEmptyLine() throws {
        let scratch = try DatasetScratchDirectory()
        #expect(try readAll(scratch.write("one.txt", "only\n")).map(\.text) == ["only"])
        #expect(try readAll(scratch.write("two.txt", "only\n\n")).map(\.text) == ["only", ""])
        #expect(try readAll(scratch.write("empty.txt", "")).isEmpty)
    }

    @Test func keepsInnerCarriageReturnsAndDropsByteOrderMark() throws {
        let scratch = try DatasetScratchDirectory()
        let url = try scratch.write("bom.txt", bytes: [0xEF, 0xBB, 0xBF] + Array("a\rb\nc".utf8))
        #expect(try readAll(url).map(\.text) == ["a\rb", "c"])
    }

    @Test func readsVeryLongLinesAcrossChunks() throws {
        let scratch = try DatasetScratchDirectory()
        let long = String(repeating: "é0123456789", count: 300_000)
        let short = (0..<5_000).map { "line \($0) " + String(repeating: "x", count: $0 % 97) }
        let text = ([long] + short + [long]).joined(separator: "\n")
        let lines = try readAll(scratch.write("long.txt", text))
        #expect(lines.count == short.count + 2)
        #expect(lines.first?.text == long)
        #expect(lines.last?.text == long)
        #expect(lines.last?.number == short.count + 2)
        #expect(Array(lines.dropFirst().dropLast().map(\.text)) == short)
    }

    @Test func invalidUTF8NamesTheLineAndReadingGoesOn() throws {
        let scratch = try DatasetScratchDirectory()
        let url = try scratch.write("bad.txt", bytes: Array("good\n".utf8) + [0x66, 0xFF, 0x6F, 0x0A] + Array("after\n".utf8))
        let reader = try LineReader(url: url)
        #expect(try reader.next()?.text == "good")
        let error = #expect(throws: DataError.self) { try reader.next() }
        #expect(error == .invalidUTF8(path: url.path, line: 2))
        #expect(error?.description == "\(url.path):2: line is not valid UTF-8 text")
        #expect(try reader.next() == LineReader.Line(number: 3, text: "after"))
        #expect(try reader.next() == nil)
    }

    @Test func missingFileAndDirectoryCannotBeOpened() throws {
        let scratch = try DatasetScratchDirectory()
        let missing = scratch.url.appendingPathComponent("nowhere.jsonl")
        let error = #expect(throws: DataError.self) { try LineReader(url: missing) }
        #expect(error == .cannotOpen(path: missing.path, reason: "no such file"))
        #expect(error?.description.contains("nowhere.jsonl") == true)

        let directoryError = #expect(throws: DataError.self) { try LineReader(url: scratch.url) }
        #expect(directoryError?.description.contains("is a directory") == true)
    }
}
