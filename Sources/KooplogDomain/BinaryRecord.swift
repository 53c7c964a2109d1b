// The compact binary form of the derived records (rule state, read models): docs/FORMAT.md,
// "State records". A record is the tag byte 0xB1 and its fields in declaration order:
// unsigned integers as LEB128, signed ones zigzag-encoded LEB128, booleans one byte, text as
// its UTF-8 length and bytes, optionals a presence byte and the value, lists their count and
// elements, maps their count and (key, value) pairs in ascending key order, so equal records
// have equal bytes. The log itself stays canonical JSON; these records are derived from it.
//
// Reading is strict: an integer in more bytes than it needs, text that is not UTF-8, a boolean or
// presence byte other than 0 or 1, map keys out of order or bytes left over are refused. So bytes
// that read as a value are exactly the bytes that value writes, and a reader that accepts a record
// need not write it again to know it is the canonical one (verify's agreeing forms).

/// A value with a binary form. `init(from:)` reads exactly what `write(to:)` wrote, and nothing
/// else: any bytes it accepts are the bytes the value it returns would write.
public protocol BinaryRecord {
    func write(to writer: inout BinaryWriter)
    init(from reader: inout BinaryReader) throws(BinaryRecordError)
}

/// A stored record that does not read back: the bytes were changed or written by something else.
public struct BinaryRecordError: Error, Sendable, CustomStringConvertible {
    public var problem: String
    public var description: String { problem }
}

public struct BinaryWriter {
    /// The first byte of every binary record (a JSON text never starts with it).
    public static let tag: UInt8 = 0xB1
    public private(set) var bytes: [UInt8]

    /// `capacity`: the bytes the record usually needs (growing the array copies it).
    public init(capacity: Int = 64) {
        // Reserved before the tag is appended: an array literal of the tag, then reserved, was
        // allocated twice.
        bytes = []
        bytes.reserveCapacity(capacity)
        bytes.append(BinaryWriter.tag)
    }

    public static func encode(_ value: some BinaryRecord, capacity: Int = 64) -> [UInt8] {
        var writer = BinaryWriter(capacity: capacity)
        value.write(to: &writer)
        return writer.bytes
    }

    public mutating func put(_ value: some BinaryRecord) { value.write(to: &self) }

    mutating func unsigned(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func signed(_ value: Int64) { unsigned(UInt64(bitPattern: (value << 1) ^ (value >> 63))) }

    mutating func raw(_ utf8: some Collection<UInt8>) {
        unsigned(UInt64(utf8.count))
        bytes.append(contentsOf: utf8)
    }
}

/// Reads a record inside `decode` (the buffer lives only as long as that call).
public struct BinaryReader {
    private let buffer: UnsafeRawBufferPointer
    private var index = 1

    init(_ buffer: UnsafeRawBufferPointer) { self.buffer = buffer }

    /// Reads one whole record; the bytes must be exactly one record of `T` with the tag.
    public static func decode<T: BinaryRecord>(_ type: T.Type, from bytes: [UInt8]) throws(BinaryRecordError) -> T {
        try bytes.withUnsafeBytes { raw in Result { () throws(BinaryRecordError) in try decode(type, from: raw) } }.get()
    }

    /// Reads one whole record where it lies (an LMDB page, valid only during the call).
    public static func decode<T: BinaryRecord>(_ type: T.Type, from raw: UnsafeRawBufferPointer) throws(BinaryRecordError) -> T {
        guard raw.first == BinaryWriter.tag else { throw BinaryRecordError(problem: "not a binary record (first byte is not 0xB1)") }
        var reader = BinaryReader(raw)
        let value = try T(from: &reader)
        guard reader.index == raw.count else { throw BinaryRecordError(problem: "\(raw.count - reader.index) bytes left over after the record") }
        return value
    }

    public mutating func get<T: BinaryRecord>(_ type: T.Type = T.self) throws(BinaryRecordError) -> T { try T(from: &self) }

    mutating func byte() throws(BinaryRecordError) -> UInt8 {
        guard index < buffer.count else { throw BinaryRecordError(problem: "the record ends early (at byte \(index))") }
        defer { index += 1 }
        return buffer[index]
    }

    mutating func unsigned() throws(BinaryRecordError) -> UInt64 {
        // Most values (lengths, counts, choices, small numbers) are one byte.
        if index < buffer.count, buffer[index] < 0x80 {
            defer { index += 1 }
            return UInt64(buffer[index])
        }
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try byte()
            // The tenth byte holds the top bit only.
            guard shift < 63 || (shift == 63 && b <= 1) else { throw BinaryRecordError(problem: "an integer is too long (at byte \(index))") }
            result |= UInt64(b & 0x7F) << shift
            if b < 0x80 {
                // A last byte of 0 after others: the same integer has a shorter form.
                guard b != 0 || shift == 0 else { throw BinaryRecordError(problem: "an integer is not in its shortest form (at byte \(index))") }
                return result
            }
            shift += 7
        }
    }

    mutating func signed() throws(BinaryRecordError) -> Int64 {
        let v = try unsigned()
        return Int64(bitPattern: (v >> 1) ^ (0 &- (v & 1)))
    }

    mutating func count() throws(BinaryRecordError) -> Int {
        let n = try unsigned()
        guard n <= UInt64(buffer.count - index) else { throw BinaryRecordError(problem: "a length of \(n) runs past the record's end") }
        return Int(n)
    }

    mutating func text() throws(BinaryRecordError) -> String {
        let n = try count()
        let bytes = UnsafeRawBufferPointer(rebasing: buffer[index..<index + n]).assumingMemoryBound(to: UInt8.self)
        // `String(decoding:)` puts U+FFFD for bytes that are not UTF-8: then the text's bytes are
        // not these, and other bytes would read as the same text. (`String(validating:)` cost ten
        // times as much.)
        let text = String(decoding: bytes, as: UTF8.self)
        guard text.withUTF8Bytes({ $0.byteOrder(bytes) == 0 }) else { throw BinaryRecordError(problem: "the text at byte \(index) is not UTF-8") }
        index += n
        return text
    }
}

// MARK: the building blocks

extension UInt64: BinaryRecord {
    public func write(to writer: inout BinaryWriter) { writer.unsigned(self) }
    public init(from reader: inout BinaryReader) throws(BinaryRecordError) { self = try reader.unsigned() }
}

extension Int64: BinaryRecord {
    public func write(to writer: inout BinaryWriter) { writer.signed(self) }
    public init(from reader: inout BinaryReader) throws(BinaryRecordError) { self = try reader.signed() }
}

extension Int: BinaryRecord {
    public func write(to writer: inout BinaryWriter) { writer.signed(Int64(self)) }
    public init(from reader: inout BinaryReader) throws(BinaryRecordError) { self = Int(try reader.signed()) }
}

extension Bool: BinaryRecord {
    public func write(to writer: inout BinaryWriter) { writer.unsigned(self ? 1 : 0) }
    public init(from reader: inout BinaryReader) throws(BinaryRecordError) {
        switch try reader.byte() {
        case 0: self = false
        case 1: self = true
        case let b: throw BinaryRecordError(problem: "\(b) is not a boolean")
        }
    }
}

extension String: BinaryRecord {
    public func write(to writer: inout BinaryWriter) { writer.raw(utf8) }
    public init(from reader: inout BinaryReader) throws(BinaryRecordError) { self = try reader.text() }
}

extension Optional: BinaryRecord where Wrapped: BinaryRecord {
    public func write(to writer: inout BinaryWriter) {
        switch self {
        case .none: writer.unsigned(0)
        case .some(let value):
            writer.unsigned(1)
            value.write(to: &writer)
        }
    }
    public init(from reader: inout BinaryReader) throws(BinaryRecordError) {
        self = try Bool(from: &reader) ? try Wrapped(from: &reader) : nil
    }
}

extension Array: BinaryRecord where Element: BinaryRecord {
    public func write(to writer: inout BinaryWriter) {
        writer.unsigned(UInt64(count))
        for element in self { element.write(to: &writer) }
    }
    public init(from reader: inout BinaryReader) throws(BinaryRecordError) {
        let n = try reader.count()
        self = []
        reserveCapacity(n)
        for _ in 0..<n { append(try Element(from: &reader)) }
    }
}

extension Dictionary: BinaryRecord where Key: BinaryRecord & Comparable, Value: BinaryRecord {
    public func write(to writer: inout BinaryWriter) {
        writer.unsigned(UInt64(count))
        for key in keys.sorted() {
            key.write(to: &writer)
            self[key]!.write(to: &writer)
        }
    }
    public init(from reader: inout BinaryReader) throws(BinaryRecordError) {
        let n = try reader.count()
        self = [:]
        reserveCapacity(n)
        var previous: Key?
        for _ in 0..<n {
            let key = try Key(from: &reader)
            if let previous, !(previous < key) { throw BinaryRecordError(problem: "map keys are not in ascending order") }
            self[key] = try Value(from: &reader)
            previous = key
        }
    }
}

// MARK: the domain's records

extension Posting: BinaryRecord {
    public func write(to writer: inout BinaryWriter) {
        writer.put(account)
        writer.put(ore)
    }
    public init(from reader: inout BinaryReader) throws(BinaryRecordError) {
        account = try reader.get()
        ore = try reader.get()
    }
}

extension OrgRecord: BinaryRecord {
    public func write(to writer: inout BinaryWriter) {
        writer.put(fiscalYearStartMonth)
        writer.put(vatRegistered)
        writer.put(closedYears)
    }
    public init(from reader: inout BinaryReader) throws(BinaryRecordError) {
        self.init(fiscalYearStartMonth: try reader.get(), vatRegistered: try reader.get(), closedYears: try reader.get())
    }
}

extension YearRecord: BinaryRecord {
    public func write(to writer: inout BinaryWriter) {
        writer.put(resultOre)
        writer.put(allocatedSeq)
    }
    public init(from reader: inout BinaryReader) throws(BinaryRecordError) {
        self.init(resultOre: try reader.get(), allocatedSeq: try reader.get())
    }
}

extension InvoiceRecord: BinaryRecord {
    public func write(to writer: inout BinaryWriter) {
        writer.put(issuedSeq)
        writer.put(grossOre)
        writer.put(paidOre)
        writer.put(creditedOre)
    }
    public init(from reader: inout BinaryReader) throws(BinaryRecordError) {
        self.init(issuedSeq: try reader.get(), grossOre: try reader.get(), paidOre: try reader.get(), creditedOre: try reader.get())
    }
}

extension BillRecord: BinaryRecord {
    public func write(to writer: inout BinaryWriter) {
        writer.put(receivedSeq)
        writer.put(grossOre)
        writer.put(paidOre)
    }
    public init(from reader: inout BinaryReader) throws(BinaryRecordError) {
        self.init(receivedSeq: try reader.get(), grossOre: try reader.get(), paidOre: try reader.get())
    }
}

extension MemberRecord: BinaryRecord {
    public func write(to writer: inout BinaryWriter) {
        writer.put(admittedSeq)
        writer.put(kind)
        writer.put(paidOre)
        writer.put(refundedOre)
        writer.put(leftSeq)
    }
    public init(from reader: inout BinaryReader) throws(BinaryRecordError) {
        self.init(admittedSeq: try reader.get(), kind: try reader.get(), paidOre: try reader.get(), refundedOre: try reader.get(), leftSeq: try reader.get())
    }
}

extension PersonRecord: BinaryRecord {
    public func write(to writer: inout BinaryWriter) {
        writer.put(startSeq)
        writer.put(active)
        writer.put(endedSeq)
    }
    public init(from reader: inout BinaryReader) throws(BinaryRecordError) {
        self.init(startSeq: try reader.get(), active: try reader.get(), endedSeq: try reader.get())
    }
}

extension GrantRecord: BinaryRecord {
    public func write(to writer: inout BinaryWriter) {
        writer.put(awardedSeq)
        writer.put(funder)
        writer.put(receivedOre)
        writer.put(usedOre)
        writer.put(repaidOre)
        writer.put(liabilityOre)
        writer.put(accruedOre)
    }
    public init(from reader: inout BinaryReader) throws(BinaryRecordError) {
        self.init(
            awardedSeq: try reader.get(), funder: try reader.get(), receivedOre: try reader.get(), usedOre: try reader.get(),
            repaidOre: try reader.get(), liabilityOre: try reader.get(), accruedOre: try reader.get())
    }
}
