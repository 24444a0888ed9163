/// CRC-32C (Castagnoli), the checksum of TFRecord files, and the masked form TFRecord stores.
///
/// Reflected polynomial 0x82F63B78, initial value and final XOR 0xFFFFFFFF:
/// `CRC32C.checksum("123456789".utf8) == 0xE306_9283`.
public enum CRC32C {
    /// The CRC-32C of `bytes`.
    public static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
        }
        return crc ^ 0xFFFF_FFFF
    }

    /// `crc` rotated right by 15 bits plus 0xA282EAD8, as TFRecord stores it: a checksum of data
    /// that itself contains checksums would otherwise be weak, so TensorFlow never stores a raw one.
    public static func masked(_ crc: UInt32) -> UInt32 {
        ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
    }

    /// The CRC of every byte value, for one table lookup per byte.
    private static let table: [UInt32] = (0..<256).map { index in
        var crc = UInt32(index)
        for _ in 0..<8 {
            crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1
        }
        return crc
    }
}
