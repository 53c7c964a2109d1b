// The state the append rules need (SPEC.md §3), as small records keyed by entity. The engine keeps
// them in LMDB (updated in the same write transaction as the append); verify keeps them in memory.

/// Keys of the rule state (docs/FORMAT.md, "state").
public enum RuleKey {
    public static func org(_ org: OrgNumber) -> String { key("org/", org.text) }
    public static func year(_ org: OrgNumber, _ year: Int) -> String { key("year/", org.text, String(year)) }
    public static func invoice(_ org: OrgNumber, _ id: String) -> String { key("invoice/", org.text, id) }
    public static func bill(_ org: OrgNumber, _ id: String) -> String { key("bill/", org.text, id) }
    public static func member(_ org: OrgNumber, _ id: String) -> String { key("member/", org.text, id) }
    public static func person(_ org: OrgNumber, _ id: String) -> String { key("person/", org.text, id) }
    public static func grant(_ org: OrgNumber, _ id: String) -> String { key("grant/", org.text, id) }

    /// `<kind><org>` or `<kind><org>/<id>`, its bytes copied once into a string of the right size
    /// (the rule book makes several keys per event; interpolation grew a string piece by piece).
    private static func key(_ kind: StaticString, _ org: String, _ id: String? = nil) -> String {
        org.withUTF8Bytes { orgBytes in
            (id ?? "").withUTF8Bytes { idBytes in
                let count = kind.utf8CodeUnitCount + orgBytes.count + (id == nil ? 0 : 1 + idBytes.count)
                return String(unsafeUninitializedCapacity: count) { buffer in
                    var at = 0
                    func put(_ bytes: UnsafeBufferPointer<UInt8>) {
                        for byte in bytes {
                            buffer[at] = byte
                            at += 1
                        }
                    }
                    put(UnsafeBufferPointer(start: kind.utf8Start, count: kind.utf8CodeUnitCount))
                    put(orgBytes)
                    if id != nil {
                        buffer[at] = UInt8(ascii: "/")
                        at += 1
                        put(idBytes)
                    }
                    return at
                }
            }
        }
    }

    /// The seq of the event that reversed `seq`.
    public static func reversal(_ seq: UInt64) -> String { "reversed/\(seq)" }
    /// Postings of an event whose postings depended on state (grant splits).
    public static func postings(_ seq: UInt64) -> String { "postings/\(seq)" }

    /// The key prefixes under which one organisation's records lie (org numbers have one length,
    /// so `org/<org>` matches that organisation only).
    public static func prefixes(_ org: String) -> [String] {
        ["org/\(org)"] + ["year", "invoice", "bill", "member", "person", "grant"].map { "\($0)/\(org)/" }
    }

    /// Prefixes of the records keyed by seq (reversals, stored postings), not by organisation.
    public static let crossPrefixes = ["reversed/", "postings/"]
}

public struct OrgRecord: Codable, Sendable, Equatable {
    public var fiscalYearStartMonth: Int
    public var vatRegistered: Bool
    public var closedYears: [Int]
    public var calendar: FiscalCalendar { FiscalCalendar(startMonth: fiscalYearStartMonth) }
}

public struct YearRecord: Codable, Sendable, Equatable {
    /// Revenue minus costs, in öre.
    public var resultOre: Int64 = 0
    public var allocatedSeq: UInt64?
}

public struct InvoiceRecord: Codable, Sendable, Equatable {
    public var issuedSeq: UInt64
    public var grossOre: Int64
    public var paidOre: Int64 = 0
    public var creditedOre: Int64 = 0
    public var outstanding: Money { Money(ore: grossOre - paidOre - creditedOre) }
}

public struct BillRecord: Codable, Sendable, Equatable {
    public var receivedSeq: UInt64
    public var grossOre: Int64
    public var paidOre: Int64 = 0
    public var outstanding: Money { Money(ore: grossOre - paidOre) }
}

public struct MemberRecord: Codable, Sendable, Equatable {
    public var admittedSeq: UInt64
    public var kind: String
    public var paidOre: Int64 = 0
    public var refundedOre: Int64 = 0
    public var leftSeq: UInt64?
}

public struct PersonRecord: Codable, Sendable, Equatable {
    /// The seq of the person's latest placement.started.
    public var startSeq: UInt64
    public var active: Bool
    /// The seq of the placement.ended that ended it.
    public var endedSeq: UInt64?
}

public struct GrantRecord: Codable, Sendable, Equatable {
    public var awardedSeq: UInt64
    public var funder: String
    public var receivedOre: Int64 = 0
    public var usedOre: Int64 = 0
    public var repaidOre: Int64 = 0
    /// Received, not yet used (2880).
    public var liabilityOre: Int64 = 0
    /// Used, not yet received (1790).
    public var accruedOre: Int64 = 0
}

/// A value of the rule state: binary when stored (docs/FORMAT.md), JSON in ledgers written before.
public typealias RuleValue = BinaryRecord & Codable & Sendable

/// Storage of the rule state. `load` returns nil when absent; `store(nil)` removes.
public protocol RuleState: PostingContext {
    func load<T: RuleValue>(_ key: String, as type: T.Type) throws -> T?
    mutating func store<T: RuleValue>(_ key: String, _ value: T?) throws
    /// An event already in the ledger (or earlier in the batch being appended).
    func recordedEvent(_ seq: UInt64) throws -> RecordedEvent?
}

extension RuleState {
    public func vatRegistered(_ org: OrgNumber) throws -> Bool {
        try load(RuleKey.org(org), as: OrgRecord.self)?.vatRegistered ?? true
    }

    public func grantAccrual(_ org: OrgNumber, _ grant: String) throws -> (funder: Funder, liability: Money, accrued: Money)? {
        guard let record = try load(RuleKey.grant(org, grant), as: GrantRecord.self), let funder = Funder(rawValue: record.funder) else {
            return nil
        }
        return (funder, Money(ore: record.liabilityOre), Money(ore: record.accruedOre))
    }

    public func invoiceLines(_ org: OrgNumber, _ invoice: String) throws -> [SalesLine]? {
        guard let record = try load(RuleKey.invoice(org, invoice), as: InvoiceRecord.self),
            let issued = try recordedEvent(record.issuedSeq), case .invoiceIssued(let p) = issued.event.body
        else { return nil }
        return p.lines
    }

    public func postings(ofSeq seq: UInt64) throws -> [Posting]? {
        if let stored = try load(RuleKey.postings(seq), as: [Posting].self) { return stored }
        guard let recorded = try recordedEvent(seq) else { return nil }
        return try Bookkeeping.postings(for: recorded.event, context: self)
    }
}

/// Rule state in memory: for verify's replay, for tests, for dry runs of whole ledgers. Earlier
/// events (for reversals) come from `lookup`, so memory grows with open entities, not with the log.
public struct MemoryRuleState: RuleState {
    public private(set) var values: [String: any BinaryRecord & Sendable] = [:]
    private let lookup: (UInt64) throws -> RecordedEvent?

    public init(lookup: @escaping (UInt64) throws -> RecordedEvent?) { self.lookup = lookup }

    public func load<T: RuleValue>(_ key: String, as type: T.Type) throws -> T? { values[key] as? T }
    public mutating func store<T: RuleValue>(_ key: String, _ value: T?) throws { values[key] = value }
    public func recordedEvent(_ seq: UInt64) throws -> RecordedEvent? { try lookup(seq) }

    /// Number of entity records.
    public var count: Int { values.count }
}
