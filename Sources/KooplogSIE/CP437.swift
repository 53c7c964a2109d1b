/// Code page 437 (`#FORMAT PC8`), the encoding of SIE files.
public enum CP437 {
    /// Characters 0x80–0xFF.
    static let high: [Character] = Array(
        "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u{00A0}")
    static let reverse: [Character: UInt8] = {
        var map: [Character: UInt8] = [:]
        for (index, character) in high.enumerated() { map[character] = UInt8(0x80 + index) }
        return map
    }()

    public static func decode(_ bytes: some Sequence<UInt8>) -> String {
        var text = ""
        for byte in bytes {
            if byte < 0x80 { text.unicodeScalars.append(Unicode.Scalar(byte)) } else { text.append(high[Int(byte - 0x80)]) }
        }
        return text
    }

    /// Encodes text; characters code page 437 lacks become `?`.
    public static func encode(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        for character in text {
            if let ascii = character.asciiValue { bytes.append(ascii) } else { bytes.append(reverse[character] ?? UInt8(ascii: "?")) }
        }
        return bytes
    }
}

/// CRC-32 as SIE 4B computes `#KSUMMA` (reflected polynomial 0xEDB88320, initial value and final
/// XOR 0xFFFFFFFF: the same as zlib's `crc32`).
public struct SIECRC32 {
    static let table: [UInt32] = (0..<256).map { index in
        var crc = UInt32(index)
        for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        return crc
    }
    private var value: UInt32 = 0xFFFF_FFFF

    public init() {}

    public mutating func update(_ bytes: some Sequence<UInt8>) {
        for byte in bytes { value = (value >> 8) ^ SIECRC32.table[Int((value ^ UInt32(byte)) & 0xFF)] }
    }

    public var checksum: UInt32 { value ^ 0xFFFF_FFFF }
}
