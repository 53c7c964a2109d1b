/// The key of one rule-state record (docs/FORMAT.md, "state"): its kind, the organisation, and the
/// entity's id, the fiscal year or the seq.
///
/// In memory a key is these fields, hashed through a fingerprint made once when the key is made
/// (the rule book makes two or three keys per event and looks each up once or twice; as strings
/// every key was composed on the heap and hashed byte by byte by SipHash at each lookup). In the
/// `state` database a key is its text, `<kind>/<org>`, `<kind>/<org>/<id or year>` or
/// `<kind>/<seq>` (`withBytes`, `text`); that text is the stored format, and `init?(stored:)` reads
/// it back only when it is exactly the text the key would write.
public struct RuleKey: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: UInt8, Sendable, CaseIterable {
        case org, year, invoice, bill, member, person, grant, reversal, postings

        /// The text before the first `/`.
        var name: StaticString {
            switch self {
            case .org: "org"
            case .year: "year"
            case .invoice: "invoice"
            case .bill: "bill"
            case .member: "member"
            case .person: "person"
            case .grant: "grant"
            case .reversal: "reversed"
            case .postings: "postings"
            }
        }

        /// Keyed by seq, not by organisation.
        public var isCross: Bool { self == .reversal || self == .postings }
    }

    /// The kind (top byte) and the organisation's ten digits (none for the kinds keyed by seq):
    /// a key is 40 bytes (verify holds a group's open entities in memory, millions at 10^7).
    private let kindAndOrg: UInt64
    /// The fiscal year (`year`, as Int64's bits) or the seq (`reversal`, `postings`); 0 otherwise.
    private let number: UInt64
    /// A hash of the fields, made once: `hash(into:)` feeds only this to the hasher, and `==`
    /// compares it first.
    private let fingerprint: UInt64
    /// The entity's id (invoice, bill, member, person, grant); "" otherwise.
    private let id: String

    public var kind: Kind { Kind(rawValue: UInt8(truncatingIfNeeded: kindAndOrg >> 56))! }
    /// The organisation's ten digits (`OrgNumber.digits`); nil for the kinds keyed by seq.
    public var orgDigits: UInt64? { kind.isCross ? nil : kindAndOrg & 0x00FF_FFFF_FFFF_FFFF }
    /// The seq of a kind keyed by seq (`reversal`, `postings`); nil for the others.
    public var seq: UInt64? { kind.isCross ? number : nil }

    private init(_ kind: Kind, org: OrgNumber?, number: UInt64 = 0, id: String = "") {
        let digits = org?.digits ?? 0
        self.kindAndOrg = UInt64(kind.rawValue) << 56 | digits
        self.number = number
        self.id = id
        // A multiply-xorshift mix over 64-bit words: the organisation's digits, the number, the
        // id eight bytes at a time.
        func mix(_ hash: UInt64, _ word: UInt64) -> UInt64 {
            let x = (hash ^ word) &* 0x9E37_79B9_7F4A_7C15
            return x ^ (x >> 31)
        }
        var hash = mix(mix(UInt64(kind.rawValue), digits), number)
        id.withUTF8Bytes { bytes in
            let raw = UnsafeRawBufferPointer(bytes)
            var at = 0
            while at + 8 <= raw.count {
                hash = mix(hash, raw.loadUnaligned(fromByteOffset: at, as: UInt64.self))
                at += 8
            }
            var tail = UInt64(raw.count) << 56
            for (shift, byte) in raw[at...].enumerated() { tail |= UInt64(byte) << (8 * UInt64(shift)) }
            hash = mix(hash, tail)
        }
        self.fingerprint = hash
    }

    public static func org(_ org: OrgNumber) -> RuleKey { RuleKey(.org, org: org) }
    public static func year(_ org: OrgNumber, _ year: Int) -> RuleKey { RuleKey(.year, org: org, number: UInt64(bitPattern: Int64(year))) }
    public static func invoice(_ org: OrgNumber, _ id: String) -> RuleKey { RuleKey(.invoice, org: org, id: id) }
    public static func bill(_ org: OrgNumber, _ id: String) -> RuleKey { RuleKey(.bill, org: org, id: id) }
    public static func member(_ org: OrgNumber, _ id: String) -> RuleKey { RuleKey(.member, org: org, id: id) }
    public static func person(_ org: OrgNumber, _ id: String) -> RuleKey { RuleKey(.person, org: org, id: id) }
    public static func grant(_ org: OrgNumber, _ id: String) -> RuleKey { RuleKey(.grant, org: org, id: id) }
    /// The seq of the event that reversed `seq`.
    public static func reversal(_ seq: UInt64) -> RuleKey { RuleKey(.reversal, org: nil, number: seq) }
    /// Postings of an event whose postings depended on state (grant splits).
    public static func postings(_ seq: UInt64) -> RuleKey { RuleKey(.postings, org: nil, number: seq) }

    public func hash(into hasher: inout Hasher) { hasher.combine(fingerprint) }

    /// What a dictionary asks for at each lookup: the fingerprint mixed with the dictionary's
    /// seed in one multiply-xorshift, without a `Hasher` (whose setup and finish for one word
    /// cost more than the rest of the lookup). The fingerprint is made from the fields already.
    public func _rawHashValue(seed: Int) -> Int {
        let x = (fingerprint ^ UInt64(UInt(bitPattern: seed))) &* 0x9E37_79B9_7F4A_7C15
        return Int(bitPattern: UInt(x ^ (x >> 29)))
    }

    public static func == (lhs: RuleKey, rhs: RuleKey) -> Bool {
        lhs.fingerprint == rhs.fingerprint && lhs.kindAndOrg == rhs.kindAndOrg && lhs.number == rhs.number && lhs.id == rhs.id
    }

    // MARK: the stored text

    /// Calls `body` with the key's stored text (valid only inside `body`; no heap allocation).
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let kind = self.kind
        let name = kind.name
        return try id.withUTF8Bytes { idBytes in
            // name, "/", org (11), "/", then the id or at most 20 digits and a sign.
            let capacity = name.utf8CodeUnitCount + 13 + Swift.max(idBytes.count, 21)
            return try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { buffer in
                var out = StackBytes(buffer: buffer)
                out.append(bytes: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
                out.append(UInt8(ascii: "/"))
                if let digits = orgDigits {
                    // NNNNNN-NNNN, as `OrgNumber.text`: the ten digits with their leading zeros.
                    var rest = digits
                    for index in stride(from: 10, through: 0, by: -1) where index != 6 {
                        buffer[out.count + index] = UInt8(ascii: "0") + UInt8(rest % 10)
                        rest /= 10
                    }
                    buffer[out.count + 6] = UInt8(ascii: "-")
                    out.count += 11
                    if kind != .org { out.append(UInt8(ascii: "/")) }
                }
                switch kind {
                case .org: break
                case .year:
                    let year = Int64(bitPattern: number)
                    JSONWriter.signedDigits(year < 0, year.magnitude, into: &out)
                case .reversal, .postings: JSONWriter.digits(number, into: &out)
                case .invoice, .bill, .member, .person, .grant: out.append(bytes: idBytes)
                }
                return try body(UnsafeRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(buffer)[0..<out.count]))
            }
        }
    }

    /// Bytes written into a buffer on the stack, large enough for them.
    private struct StackBytes: ByteOutput {
        let buffer: UnsafeMutableBufferPointer<UInt8>
        var count = 0

        mutating func append(_ byte: UInt8) {
            buffer[count] = byte
            count += 1
        }

        mutating func append(bytes: UnsafeBufferPointer<UInt8>) {
            guard let source = bytes.baseAddress else { return }
            (buffer.baseAddress! + count).update(from: source, count: bytes.count)
            count += bytes.count
        }
    }

    /// The stored text as bytes.
    public var bytes: [UInt8] { withBytes { Array($0) } }
    /// The stored text (as messages name the record).
    public var text: String { withBytes { String(decoding: $0, as: UTF8.self) } }
    public var description: String { text }

    /// The key whose stored text is exactly `stored`; nil for any other text (an unknown kind, an
    /// organisation number that does not check, a year or seq not written as this key writes it).
    public init?(stored: UnsafeRawBufferPointer) {
        guard let slash = stored.firstIndex(of: UInt8(ascii: "/")),
            let kind = Kind.allCases.first(where: { kind in
                let name = kind.name
                return stored[..<slash].elementsEqual(UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
            })
        else { return nil }
        let rest = UnsafeRawBufferPointer(rebasing: stored[(slash + 1)...])
        if kind.isCross {
            self.init(stored: rest, kind: kind, org: nil)
            return
        }
        guard rest.count >= 11, case .success(let org) = OrgNumber.parse(String(decoding: rest[..<11], as: UTF8.self)) else { return nil }
        let tail = rest[11...]
        switch kind {
        case .org:
            guard tail.isEmpty else { return nil }
            self.init(stored: UnsafeRawBufferPointer(rebasing: tail), kind: kind, org: org)
        default:
            guard tail.first == UInt8(ascii: "/") else { return nil }
            self.init(stored: UnsafeRawBufferPointer(rebasing: tail.dropFirst()), kind: kind, org: org)
        }
    }

    /// The key of `kind` and `org` whose stored text ends in `tail`, the text after
    /// `<kind>/<org>/` (`<kind>/` for the kinds keyed by seq; empty for `org`); nil when the
    /// key's text would not end in exactly these bytes.
    public init?(stored tail: UnsafeRawBufferPointer, kind: Kind, org: OrgNumber?) {
        guard kind.isCross == (org == nil) else { return nil }
        let key: RuleKey
        switch kind {
        case .org:
            guard tail.isEmpty else { return nil }
            key = RuleKey(.org, org: org)
        case .year:
            guard let year = Self.decimal(tail) else { return nil }
            key = RuleKey(.year, org: org, number: UInt64(bitPattern: year))
        case .reversal, .postings:
            guard tail.first != UInt8(ascii: "-"), let seq = Self.decimal(tail) else { return nil }
            key = RuleKey(kind, org: nil, number: UInt64(bitPattern: seq))
        case .invoice, .bill, .member, .person, .grant:
            key = RuleKey(kind, org: org, id: String(decoding: tail, as: UTF8.self))
        }
        // The text the key writes must be the text read: no leading zeros or sign, valid UTF-8.
        let written = key.withBytes { bytes in bytes.count >= tail.count && bytes[(bytes.count - tail.count)...].elementsEqual(tail) }
        guard written else { return nil }
        self = key
    }

    /// A decimal integer, optionally negative, as the key text writes it; wider values than Int64
    /// are read as UInt64 bits (seqs).
    private static func decimal(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        var digits = bytes[...]
        let negative = digits.first == UInt8(ascii: "-")
        if negative { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.count <= 20 else { return nil }
        var value: UInt64 = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (times, overflow) = value.multipliedReportingOverflow(by: 10)
            let (sum, carry) = times.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
            guard !overflow, !carry else { return nil }
            value = sum
        }
        if negative {
            guard value <= UInt64(Int64.max) + 1 else { return nil }
            return value == UInt64(Int64.max) + 1 ? Int64.min : -Int64(value)
        }
        return Int64(bitPattern: value)
    }

    // MARK: prefixes, stream names

    /// The key prefixes under which one organisation's records lie (org numbers have one length,
    /// so `org/<org>` matches that organisation only).
    public static func prefixes(_ org: String) -> [String] {
        ownKinds.map { kind in kind == .org ? "org/\(org)" : "\(kind.name)/\(org)/" }
    }

    /// The kinds keyed by organisation, in the order of `prefixes`.
    public static let ownKinds: [Kind] = [.org, .year, .invoice, .bill, .member, .person, .grant]

    /// Prefixes of the records keyed by seq (reversals, stored postings), not by organisation.
    public static let crossPrefixes = ["reversed/", "postings/"]

    /// `<kind><org>` or `<kind><org>/<id>`, its bytes copied once into a string of the right size
    /// (each event has its stream names, `Event.streams`; interpolation grew a string piece by
    /// piece).
    static func compose(_ kind: StaticString, _ org: String, _ id: String? = nil) -> String {
        // `kind` is a literal of several characters, so it is held as bytes (not as one scalar).
        precondition(kind.hasPointerRepresentation, "a key kind of one character")
        let kindBytes = UnsafeBufferPointer(start: kind.utf8Start, count: kind.utf8CodeUnitCount)
        return org.withUTF8Bytes { orgBytes in
            (id ?? "").withUTF8Bytes { idBytes in
                let count = kindBytes.count + orgBytes.count + (id == nil ? 0 : 1 + idBytes.count)
                return String(unsafeUninitializedCapacity: count) { buffer in
                    var at = buffer.baseAddress!
                    func put(_ bytes: UnsafeBufferPointer<UInt8>) {
                        guard let source = bytes.baseAddress else { return }
                        at.initialize(from: source, count: bytes.count)
                        at += bytes.count
                    }
                    put(kindBytes)
                    put(orgBytes)
                    if id != nil {
                        at.initialize(to: UInt8(ascii: "/"))
                        at += 1
                        put(idBytes)
                    }
                    return count
                }
            }
        }
    }
}
