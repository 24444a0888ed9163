/// GPT-2's reversible map between the 256 byte values and 256 printable Unicode scalars.
///
/// Byte-level BPE vocabularies spell every token in these scalars so that any byte sequence,
/// including invalid UTF-8 and control bytes, is a string of visible characters: bytes that
/// are printable Latin-1 (`!`...`~`, `¡`...`¬`, `®`...`ÿ`) stand for themselves, and the other
/// 68 bytes map, in byte order, to U+0100 onwards (so a space is `Ġ`, U+0120, and a newline
/// is `Ċ`, U+010A).
enum ByteLevelAlphabet {
    /// The scalar standing for each byte, indexed by byte value.
    static let scalars: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: "\0", count: 256)
        var next: UInt32 = 256
        for byte in 0...255 {
            if isPrintable(UInt8(byte)) {
                table[byte] = Unicode.Scalar(UInt8(byte))
            } else {
                // Every value in 256..<324 is a valid scalar, so the initialiser cannot fail.
                table[byte] = Unicode.Scalar(next) ?? "\0"
                next += 1
            }
        }
        return table
    }()

    /// The byte each alphabet scalar stands for, indexed by scalar value (all are below 324).
    private static let bytes: [UInt8?] = {
        var table = [UInt8?](repeating: nil, count: 324)
        for (byte, scalar) in scalars.enumerated() {
            table[Int(scalar.value)] = UInt8(byte)
        }
        return table
    }()

    private static func isPrintable(_ byte: UInt8) -> Bool {
        (0x21...0x7E).contains(byte) || (0xA1...0xAC).contains(byte) || (0xAE...0xFF).contains(byte)
    }

    /// The byte `scalar` stands for, or nil when it is not in the alphabet.
    static func byte(for scalar: Unicode.Scalar) -> UInt8? {
        Int(scalar.value) < bytes.count ? bytes[Int(scalar.value)] : nil
    }

    /// The alphabet spelling of `bytes`.
    static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var text = String.UnicodeScalarView()
        for byte in bytes {
            text.append(scalars[Int(byte)])
        }
        return String(text)
    }

    /// The bytes an alphabet string spells, or nil if any scalar is outside the alphabet.
    static func decode(_ text: String) -> [UInt8]? {
        var result: [UInt8] = []
        result.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            guard let byte = byte(for: scalar) else { return nil }
            result.append(byte)
        }
        return result
    }
}
