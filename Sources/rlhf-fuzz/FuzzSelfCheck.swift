import Foundation

extension FuzzTarget {
    /// A parser that fails on purpose, to show that the harness catches what it is for: it traps
    /// on any input holding the byte 0xFF and never returns on one holding 0x7F (without 0xFF).
    /// `scripts/test-fuzz` runs it and expects both findings; `all` does not include it.
    static let selfCheck = FuzzTarget(
        name: "self-check", summary: "a parser that traps on byte 0xFF and hangs on byte 0x7F, to check the harness",
        fileName: "input.bin", builtinSeeds: [Array("self-check seed".utf8)],
        run: { bytes, _ in
            if bytes.contains(0xFF) { fatalError("self-check: trapping on purpose (input holds 0xFF)") }
            while bytes.contains(0x7F) { sleep(1) }
        })
}
