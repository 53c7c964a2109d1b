// The state the append rules need (SPEC.md §3), as small records keyed by entity. The engine keeps
// them in LMDB (updated in the same write transaction as the append); verify keeps them in memory.

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

/// One record of the rule state, by kind. The kinds are a closed set, so state held in memory
/// keeps plain values (no existential box per record) and a load is a switch on the kind (no
/// dynamic cast): both were a fifth of the rule book's cost in verify and in append.
public enum RuleRecord: Sendable, Equatable {
    case org(OrgRecord)
    case year(YearRecord)
    case invoice(InvoiceRecord)
    case bill(BillRecord)
    case member(MemberRecord)
    case person(PersonRecord)
    case grant(GrantRecord)
    /// The seq of the event that reversed the key's seq.
    case reversal(UInt64)
    /// Postings of an event whose postings depended on state.
    case postings([Posting])

    /// The record's value, whatever its kind.
    public var value: any RuleValue {
        switch self {
        case .org(let value): value
        case .year(let value): value
        case .invoice(let value): value
        case .bill(let value): value
        case .member(let value): value
        case .person(let value): value
        case .grant(let value): value
        case .reversal(let value): value
        case .postings(let value): value
        }
    }

    /// The record in its stored binary form (docs/FORMAT.md, "State records"); a switch, so
    /// each kind's encoding is called directly.
    public var encoded: [UInt8] {
        switch self {
        case .org(let value): BinaryWriter.encode(value)
        case .year(let value): BinaryWriter.encode(value)
        case .invoice(let value): BinaryWriter.encode(value)
        case .bill(let value): BinaryWriter.encode(value)
        case .member(let value): BinaryWriter.encode(value)
        case .person(let value): BinaryWriter.encode(value)
        case .grant(let value): BinaryWriter.encode(value)
        case .reversal(let value): BinaryWriter.encode(value)
        case .postings(let value): BinaryWriter.encode(value)
        }
    }
}

/// A value of the rule state: binary when stored (docs/FORMAT.md), JSON in ledgers written before;
/// one kind of `RuleRecord`.
public protocol RuleValue: BinaryRecord, Codable, Sendable {
    var ruleRecord: RuleRecord { get }
    /// The value when `record` is of this kind.
    init?(_ record: RuleRecord)
}

extension OrgRecord: RuleValue {
    public var ruleRecord: RuleRecord { .org(self) }
    public init?(_ record: RuleRecord) {
        guard case .org(let value) = record else { return nil }
        self = value
    }
}

extension YearRecord: RuleValue {
    public var ruleRecord: RuleRecord { .year(self) }
    public init?(_ record: RuleRecord) {
        guard case .year(let value) = record else { return nil }
        self = value
    }
}

extension InvoiceRecord: RuleValue {
    public var ruleRecord: RuleRecord { .invoice(self) }
    public init?(_ record: RuleRecord) {
        guard case .invoice(let value) = record else { return nil }
        self = value
    }
}

extension BillRecord: RuleValue {
    public var ruleRecord: RuleRecord { .bill(self) }
    public init?(_ record: RuleRecord) {
        guard case .bill(let value) = record else { return nil }
        self = value
    }
}

extension MemberRecord: RuleValue {
    public var ruleRecord: RuleRecord { .member(self) }
    public init?(_ record: RuleRecord) {
        guard case .member(let value) = record else { return nil }
        self = value
    }
}

extension PersonRecord: RuleValue {
    public var ruleRecord: RuleRecord { .person(self) }
    public init?(_ record: RuleRecord) {
        guard case .person(let value) = record else { return nil }
        self = value
    }
}

extension GrantRecord: RuleValue {
    public var ruleRecord: RuleRecord { .grant(self) }
    public init?(_ record: RuleRecord) {
        guard case .grant(let value) = record else { return nil }
        self = value
    }
}

extension UInt64: RuleValue {
    public var ruleRecord: RuleRecord { .reversal(self) }
    public init?(_ record: RuleRecord) {
        guard case .reversal(let value) = record else { return nil }
        self = value
    }
}

extension Array: RuleValue where Element == Posting {
    public var ruleRecord: RuleRecord { .postings(self) }
    public init?(_ record: RuleRecord) {
        guard case .postings(let value) = record else { return nil }
        self = value
    }
}

/// Storage of the rule state. `load` returns nil when absent; `store(nil)` removes.
public protocol RuleState: PostingContext {
    func load<T: RuleValue>(_ key: RuleKey, as type: T.Type) throws -> T?
    mutating func store<T: RuleValue>(_ key: RuleKey, _ value: T?) throws
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
    public private(set) var values: [RuleKey: RuleRecord] = [:]
    private let lookup: (UInt64) throws -> RecordedEvent?

    public init(lookup: @escaping (UInt64) throws -> RecordedEvent?) { self.lookup = lookup }

    public func load<T: RuleValue>(_ key: RuleKey, as type: T.Type) throws -> T? { values[key].flatMap(T.init) }
    public mutating func store<T: RuleValue>(_ key: RuleKey, _ value: T?) throws { values[key] = value?.ruleRecord }
    public func recordedEvent(_ seq: UInt64) throws -> RecordedEvent? { try lookup(seq) }

    /// Number of entity records.
    public var count: Int { values.count }
}
