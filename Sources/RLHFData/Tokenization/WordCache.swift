import Foundation

/// Token ids of words already encoded, shared by all copies of a tokenizer and safe to use
/// from several threads. Natural text repeats a small set of words, so after the first few
/// thousand words almost every word is a lookup instead of a BPE merge loop.
final class WordCache: @unchecked Sendable {
    /// Words this long or longer are not cached: they are rare, and would let one long
    /// input (a run of whitespace, a base64 blob) fill the memory.
    static let maxWordLength = 256
    /// Entries beyond this are not added, which bounds the memory a long run can take.
    static let capacity = 200_000

    // Guards `entries`; NSLock rather than `Mutex` because the package supports macOS 13.
    private let lock = NSLock()
    private var entries: [[UInt8]: [Int32]] = [:]

    /// The cached ids of `word`, computing and storing them with `tokenize` on a miss.
    func ids(for word: [UInt8], _ tokenize: () -> [Int32]) -> [Int32] {
        guard word.count < Self.maxWordLength else { return tokenize() }
        if let hit = lock.withLock({ entries[word] }) {
            return hit
        }
        let ids = tokenize()
        lock.withLock {
            if entries.count < Self.capacity {
                entries[word] = ids
            }
        }
        return ids
    }
}
