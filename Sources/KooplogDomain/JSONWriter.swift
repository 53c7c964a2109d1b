import Foundation

/// Writes JSON: `canonical` has keys sorted by their UTF-8 bytes, no white space, and only the
/// escapes JSON requires (docs/FORMAT.md, "Canonical JSON"). The same bytes always hash the same.
public enum JSONWriter {
    public static func canonical(_ value: JSON) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(256)
        write(value, into: &out)
        return out
    }

    public static func canonicalString(_ value: JSON) -> String { String(decoding: canonical(value), as: UTF8.self) }

    public static func write(_ value: JSON, into out: inout [UInt8]) {
        switch value {
        case .null: append("null", to: &out)
        case .bool(let b): b ? append("true", to: &out) : append("false", to: &out)
        case .number(let text): out.append(contentsOf: text.utf8)
        case .string(let s): writeString(s, into: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                write(item, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            out.append(UInt8(ascii: "{"))
            let members = object.members
            // The members' indices in key order (insertion sort: objects are small, and most are
            // in order already), in a buffer that is not an array of copied members.
            withUnsafeTemporaryAllocation(of: Int.self, capacity: members.count) { order in
                for index in members.indices {
                    var slot = index
                    while slot > 0 && precedes(members[index].key, members[order[slot - 1]].key) {
                        order[slot] = order[slot - 1]
                        slot -= 1
                    }
                    order[slot] = index
                }
                for (position, index) in order.enumerated() {
                    if position > 0 { out.append(UInt8(ascii: ",")) }
                    writeString(members[index].key, into: &out)
                    out.append(UInt8(ascii: ":"))
                    write(members[index].value, into: &out)
                }
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    public static func writeString<Output: ByteOutput>(_ s: String, into out: inout Output) {
        out.append(UInt8(ascii: "\""))
        // Most strings need no escape: copy them whole.
        let copied = s.withUTF8Bytes { bytes in
            guard !needsEscape(bytes) else { return false }
            out.append(bytes: bytes)
            return true
        }
        if copied {
            out.append(UInt8(ascii: "\""))
            return
        }
        for c in s.utf8 {
            switch c {
            case 0x22: append(#"\""#, to: &out)
            case 0x5C: append(#"\\"#, to: &out)
            case 0x0A: append(#"\n"#, to: &out)
            case 0x0D: append(#"\r"#, to: &out)
            case 0x09: append(#"\t"#, to: &out)
            case 0x08: append(#"\b"#, to: &out)
            case 0x0C: append(#"\f"#, to: &out)
            case 0..<0x20:
                let digits = Array("0123456789abcdef".utf8)
                append(#"\u00"#, to: &out)
                out.append(digits[Int(c >> 4)])
                out.append(digits[Int(c & 0xF)])
            default: out.append(c)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Whether text holds a byte JSON requires escaped (a quote, a backslash, a control
    /// character): eight bytes at a time with the parser's mask, which flags bytes of multi-byte
    /// characters too; past one of those the scan goes on.
    static func needsEscape(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return false }
        var i = 0
        while i + 8 <= bytes.count {
            let mask = JSONParser.textEndMask(UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self))
            if mask == 0 {
                i += 8
                continue
            }
            i += mask.trailingZeroBitCount >> 3
            if base[i] < 0x80 { return true }
            i += 1
        }
        while i < bytes.count {
            let c = base[i]
            if c < 0x20 || c == 0x22 || c == 0x5C { return true }
            i += 1
        }
        return false
    }

    /// Key order of canonical JSON: by UTF-8 bytes.
    static func precedes(_ a: String, _ b: String) -> Bool {
        a.withUTF8Bytes { x in b.withUTF8Bytes { y in x.byteOrder(y) < 0 } }
    }

    /// Appends a literal's UTF-8 bytes (JSON punctuation, `true`, `null`) without building an array.
    public static func append<Output: ByteOutput>(_ literal: StaticString, to out: inout Output) {
        out.append(bytes: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    /// Indented, sorted JSON for people (reports with `--format json`).
    public static func pretty(_ value: JSON, indent: Int = 0) -> String {
        var out = ""
        pretty(value, indent: indent, into: &out)
        return out
    }

    private static func pretty(_ value: JSON, indent: Int, into out: inout String) {
        let pad = String(repeating: "  ", count: indent + 1)
        let closePad = String(repeating: "  ", count: indent)
        switch value {
        case .array(let items) where !items.isEmpty:
            out += "[\n"
            for (index, item) in items.enumerated() {
                out += pad
                pretty(item, indent: indent + 1, into: &out)
                out += index == items.count - 1 ? "\n" : ",\n"
            }
            out += closePad + "]"
        case .object(let object) where !object.members.isEmpty:
            out += "{\n"
            let sorted = object.members.sorted { precedes($0.key, $1.key) }
            for (index, member) in sorted.enumerated() {
                var key = [UInt8]()
                writeString(member.key, into: &key)
                out += pad + String(decoding: key, as: UTF8.self) + ": "
                pretty(member.value, indent: indent + 1, into: &out)
                out += index == sorted.count - 1 ? "\n" : ",\n"
            }
            out += closePad + "}"
        default:
            out += canonicalString(value)
        }
    }
}

/// Where canonical JSON is written: an array of bytes, or `MatchingBytes`, which compares what
/// would be written with bytes already there and keeps none.
public protocol ByteOutput {
    mutating func append(_ byte: UInt8)
    mutating func append(bytes: UnsafeBufferPointer<UInt8>)
}

extension Array: ByteOutput where Element == UInt8 {
    public mutating func append(bytes: UnsafeBufferPointer<UInt8>) { append(contentsOf: bytes) }
}

/// Compares written bytes with `expected`, as they come: `matched` tells whether they are
/// exactly `expected`, no byte more or less (verify's check of a decoded form against its
/// payload writes nothing).
public struct MatchingBytes: ByteOutput {
    private let expected: UnsafeRawBufferPointer
    private var position = 0
    private var same = true

    public init(_ expected: UnsafeRawBufferPointer) { self.expected = expected }

    public var matched: Bool { same && position == expected.count }

    public mutating func append(_ byte: UInt8) {
        guard same, position < expected.count, expected[position] == byte else {
            same = false
            return
        }
        position += 1
    }

    public mutating func append(bytes: UnsafeBufferPointer<UInt8>) {
        guard same, bytes.count <= expected.count - position else {
            same = false
            return
        }
        if let base = bytes.baseAddress, memcmp(expected.baseAddress! + position, base, bytes.count) != 0 {
            same = false
            return
        }
        position += bytes.count
    }
}
